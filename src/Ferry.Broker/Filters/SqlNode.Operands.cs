namespace Ferry.Broker.Filters;

internal abstract partial class SqlNode
{
    public sealed class Constant(int position, SqlValue value, string description, int start = -1) : SqlNode(position, start)
    {
        public SqlValue Value { get; } = value;

        public override NodeShape Shape => Value.Type switch
        {
            SqlType.Boolean => NodeShape.Condition,
            SqlType.Null => NodeShape.Any,
            _ => NodeShape.Value,
        };

        public override bool IsConstant => true;

        public override string Description { get; } = description;

        public override SqlValue Evaluate(IFilterMessage message) => Value;
    }

    /// <summary>An application property; absent is NULL (unknown).</summary>
    public sealed class UserProperty(int position, string name) : SqlNode(position)
    {
        public string Name { get; } = name;

        public override string Description => $"property '{Name}'";

        public override SqlValue Evaluate(IFilterMessage message) =>
            PropertyLookup.TryGet(message.Properties, Name, out var value) ? SqlValue.FromObject(value) : SqlValue.Null;
    }

    public sealed class SystemPropertyRef(int position, SystemProperty property) : SqlNode(position)
    {
        public SystemProperty Property { get; } = property;

        public override string Description => $"property 'sys.{SystemProperties.GetName(Property)}'";

        public override SqlValue Evaluate(IFilterMessage message) => PropertyLookup.ReadSystem(message, Property);
    }

    /// <summary><c>property(name)</c> / <c>p(name)</c> with a name known only at evaluation.</summary>
    public sealed class PropertyFunction(int position, SqlNode name) : SqlNode(position)
    {
        public override string Description => "property()";

        public override SqlValue Evaluate(IFilterMessage message)
        {
            var name = Name.Evaluate(message);
            if (name.IsNull)
                return SqlValue.Null;
            if (name.Type != SqlType.String)
                throw new FilterEvaluationException($"property() needs a String name, found {name.Described}", Name.Start);
            var text = name.AsString;
            if (text.StartsWith("sys.", StringComparison.OrdinalIgnoreCase))
            {
                return SystemProperties.TryParse(text[4..], out var system)
                    ? PropertyLookup.ReadSystem(message, system)
                    : throw new FilterEvaluationException($"Unknown system property '{text}'", Name.Start);
            }
            if (text.StartsWith("user.", StringComparison.OrdinalIgnoreCase))
                text = text[5..];
            return PropertyLookup.TryGet(message.Properties, text, out var value) ? SqlValue.FromObject(value) : SqlValue.Null;
        }

        private SqlNode Name { get; } = name;
    }

    public sealed class NewId(int position) : SqlNode(position)
    {
        public override NodeShape Shape => NodeShape.Value;

        public override string Description => "newid()";

        public override SqlValue Evaluate(IFilterMessage message) => SqlValue.Guid(System.Guid.NewGuid());
    }

    public sealed class Arithmetic(int position, ArithmeticOperator op, SqlNode left, SqlNode right) : SqlNode(position, left.Start)
    {
        public override NodeShape Shape => NodeShape.Value;

        public override bool CanFold => left.IsConstant && right.IsConstant;

        public override string Description => "an arithmetic expression";

        public override SqlValue Evaluate(IFilterMessage message) =>
            SqlValue.Arithmetic(op, left.Evaluate(message), right.Evaluate(message), Position);
    }

    public sealed class Unary(int position, bool negate, SqlNode operand) : SqlNode(position)
    {
        public override NodeShape Shape => NodeShape.Value;

        public override bool CanFold => operand.IsConstant;

        public override string Description => "an arithmetic expression";

        public override SqlValue Evaluate(IFilterMessage message) =>
            negate ? SqlValue.Negate(operand.Evaluate(message), Position) : SqlValue.Plus(operand.Evaluate(message), Position);
    }
}
