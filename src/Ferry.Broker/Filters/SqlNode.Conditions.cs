namespace Ferry.Broker.Filters;

internal abstract partial class SqlNode
{
    /// <summary>Base of the nodes whose value is a Boolean or unknown.</summary>
    public abstract class ConditionNode(int position, int start = -1) : SqlNode(position, start)
    {
        public override NodeShape Shape => NodeShape.Condition;

        public override string Description => "a condition";
    }

    public sealed class Comparison(int position, ComparisonOperator op, SqlNode left, SqlNode right) : ConditionNode(position, left.Start)
    {
        public override bool CanFold => left.IsConstant && right.IsConstant;

        public override SqlValue Evaluate(IFilterMessage message) =>
            SqlValue.Compare(op, left.Evaluate(message), right.Evaluate(message), Position);
    }

    /// <summary>AND with SQL's three-valued logic; FALSE on the left decides without evaluating the right.</summary>
    public sealed class And(int position, SqlNode left, SqlNode right) : ConditionNode(position, left.Start)
    {
        public override bool CanFold => left.IsConstant && right.IsConstant;

        public override SqlValue Evaluate(IFilterMessage message)
        {
            var l = EvaluateCondition(left, message);
            if (l == false)
                return SqlValue.False;
            var r = EvaluateCondition(right, message);
            if (r == false)
                return SqlValue.False;
            return l == true && r == true ? SqlValue.True : SqlValue.Null;
        }
    }

    /// <summary>OR with SQL's three-valued logic; TRUE on the left decides without evaluating the right.</summary>
    public sealed class Or(int position, SqlNode left, SqlNode right) : ConditionNode(position, left.Start)
    {
        public override bool CanFold => left.IsConstant && right.IsConstant;

        public override SqlValue Evaluate(IFilterMessage message)
        {
            var l = EvaluateCondition(left, message);
            if (l == true)
                return SqlValue.True;
            var r = EvaluateCondition(right, message);
            if (r == true)
                return SqlValue.True;
            return l == false && r == false ? SqlValue.False : SqlValue.Null;
        }
    }

    public sealed class Not(int position, SqlNode operand) : ConditionNode(position)
    {
        public override bool CanFold => operand.IsConstant;

        public override SqlValue Evaluate(IFilterMessage message) => EvaluateCondition(operand, message) switch
        {
            true => SqlValue.False,
            false => SqlValue.True,
            null => SqlValue.Null,
        };
    }

    /// <summary><c>x IS [NOT] NULL</c>: never unknown; an absent property IS NULL.</summary>
    public sealed class IsNull(int position, SqlNode operand, bool negated) : ConditionNode(position, operand.Start)
    {
        public override bool CanFold => operand.IsConstant;

        public override SqlValue Evaluate(IFilterMessage message) => SqlValue.Boolean(operand.Evaluate(message).IsNull != negated);
    }

    /// <summary><c>EXISTS(user property)</c>: the key is present, whatever its value, null included.</summary>
    public sealed class ExistsUser(int position, string name) : ConditionNode(position)
    {
        public override SqlValue Evaluate(IFilterMessage message) =>
            SqlValue.Boolean(PropertyLookup.TryGet(message.Properties, name, out _));
    }

    /// <summary><c>EXISTS(sys.X)</c>: the system property has a value.</summary>
    public sealed class ExistsSystem(int position, SystemProperty property) : ConditionNode(position)
    {
        public override SqlValue Evaluate(IFilterMessage message) =>
            SqlValue.Boolean(!PropertyLookup.ReadSystem(message, property).IsNull);
    }

    /// <summary>
    /// <c>x [NOT] IN (a, b, …)</c>: TRUE when x equals an item; else unknown when x or an item is NULL; else FALSE.
    /// NOT IN negates that, unknown staying unknown.
    /// </summary>
    public sealed class In(int position, SqlNode operand, SqlNode[] items, bool negated) : ConditionNode(position, operand.Start)
    {
        public override bool CanFold
        {
            get
            {
                if (!operand.IsConstant)
                    return false;
                foreach (var item in items)
                {
                    if (!item.IsConstant)
                        return false;
                }
                return true;
            }
        }

        public override SqlValue Evaluate(IFilterMessage message)
        {
            var value = operand.Evaluate(message);
            if (value.IsNull)
                return SqlValue.Null;
            var sawNull = false;
            foreach (var item in items)
            {
                var candidate = item.Evaluate(message);
                if (candidate.IsNull)
                {
                    sawNull = true;
                    continue;
                }
                if (SqlValue.Compare(ComparisonOperator.Equal, value, candidate, item.Start).AsBoolean)
                    return SqlValue.Boolean(!negated);
            }
            return sawNull ? SqlValue.Null : SqlValue.Boolean(negated);
        }
    }

    /// <summary>
    /// <c>x [NOT] LIKE pattern [ESCAPE c]</c>; unknown when any operand is NULL. A constant pattern is compiled once,
    /// when the rule is created; a computed one on every evaluation.
    /// </summary>
    public sealed class Like(int position, SqlNode operand, SqlNode pattern, SqlNode? escape, bool negated, LikePattern? compiled)
        : ConditionNode(position, operand.Start)
    {
        public override bool CanFold => operand.IsConstant && pattern.IsConstant && (escape is null || escape.IsConstant);

        public override SqlValue Evaluate(IFilterMessage message)
        {
            var value = operand.Evaluate(message);
            if (value.IsNull)
                return SqlValue.Null;
            if (value.Type != SqlType.String)
                throw new FilterEvaluationException($"LIKE needs a String operand, found {value.Described}", operand.Start);
            var matcher = compiled;
            if (matcher is null)
            {
                var patternValue = pattern.Evaluate(message);
                if (patternValue.IsNull)
                    return SqlValue.Null;
                if (patternValue.Type != SqlType.String)
                    throw new FilterEvaluationException($"The LIKE pattern must be a String, found {patternValue.Described}", pattern.Start);
                char? escapeChar = null;
                if (escape is not null)
                {
                    var escapeValue = escape.Evaluate(message);
                    if (escapeValue.IsNull)
                        return SqlValue.Null;
                    if (escapeValue.Type != SqlType.String || escapeValue.AsString.Length != 1)
                        throw new FilterEvaluationException($"The ESCAPE character must be a String of one character, found {Quote(escapeValue)}", escape.Start);
                    escapeChar = escapeValue.AsString[0];
                }
                matcher = LikePattern.TryCompile(patternValue.AsString, escapeChar, out var error)
                    ?? throw new FilterEvaluationException(error!, pattern.Start);
            }
            return SqlValue.Boolean(matcher.IsMatch(value.AsString) != negated);
        }

        internal static string Quote(in SqlValue value) =>
            value.Type == SqlType.String ? $"'{value.AsString}'" : value.Described;
    }
}
