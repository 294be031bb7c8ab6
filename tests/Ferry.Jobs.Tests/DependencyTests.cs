namespace Ferry.Jobs.Tests;

/// <summary>Ferry.Jobs reaches the broker over the wire only; the HTTP API stays out of the core library.</summary>
public class DependencyTests
{
    private static readonly string[] ServerProjects = ["Ferry.Server", "Ferry.Broker", "Ferry.Storage", "Ferry.Amqp"];

    [Fact]
    public void Jobs_ReferencesNoServerProject_AndNoAspNetCore()
    {
        var references = typeof(IJobClient).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        foreach (var project in ServerProjects)
            Assert.DoesNotContain(project, references);
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void JobsAspNetCore_ReferencesNoServerProject()
    {
        var references = typeof(Ferry.Jobs.AspNetCore.FerryJobsApiOptions).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Ferry.Jobs", references);
        foreach (var project in ServerProjects)
            Assert.DoesNotContain(project, references);
    }
}
