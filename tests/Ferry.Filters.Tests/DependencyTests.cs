using System.Reflection;

namespace Ferry.Filters.Tests;

public class DependencyTests
{
    [Fact]
    public void FilterEngine_Assembly_DoesNotReferenceAmqpOrServer()
    {
        var references = typeof(SqlFilter).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("Ferry.Amqp", references);
        Assert.DoesNotContain("Ferry.Server", references);
    }

    [Fact]
    public void FilterEngine_PublicTypes_UseNoOtherFerryNamespace()
    {
        var filterTypes = typeof(SqlFilter).Assembly.GetTypes().Where(t => t.Namespace == "Ferry.Broker.Filters");
        foreach (var type in filterTypes)
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var used = type.GetFields(all).Select(f => f.FieldType)
                .Concat(type.GetProperties(all).Select(p => p.PropertyType))
                .Concat(type.GetMethods(all).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)));
            foreach (var usedType in used)
            {
                var ns = (usedType.IsArray ? usedType.GetElementType()! : usedType).Namespace ?? "";
                Assert.False(ns.StartsWith("Ferry.", StringComparison.Ordinal) && ns != "Ferry.Broker.Filters",
                    $"{type.Name} uses {usedType.FullName}");
            }
        }
    }
}
