using System.Globalization;

namespace Ferry.Broker.Filters;

/// <summary>
/// A recursive-descent parser for Azure Service Bus SQL filter and action expressions
/// (learn.microsoft.com/azure/service-bus-messaging/service-bus-messaging-sql-filter and -sql-rule-action).
/// The grammar, loosest binding first (docs/filters.md has it in full):
/// <code>
/// condition  := and { OR and }
/// and        := not { AND not }
/// not        := NOT not | predicate
/// predicate  := sum [ compare-op sum | IS [NOT] NULL | [NOT] IN '(' sum { ',' sum } ')'
///                     | [NOT] LIKE sum [ ESCAPE sum ] ]
/// sum        := product { ('+' | '-') product }
/// product    := unary { ('*' | '/' | '%') unary }
/// unary      := ('+' | '-') unary | primary
/// primary    := literal | @parameter | property | EXISTS '(' property ')' | newid '(' ')'
///             | (property | p) '(' sum ')' | '(' condition ')'
/// property   := [ (sys | user) '.' ] name
/// </code>
/// Operands whose values are constant are folded when the rule is created, so <c>1=1</c> compiles to TRUE and
/// <c>'a' = 1</c> or <c>1/0</c> fail then rather than on every message. Errors name the position, what was expected
/// and what was found.
/// </summary>
internal sealed partial class SqlParser
{
    /// <summary>Azure's limit on a filter or action expression.</summary>
    public const int MaxExpressionLength = 1024;

    /// <summary>Deepest nesting of parentheses, NOT, unary signs and function calls.</summary>
    public const int MaxDepth = 64;

    private static readonly FilterMessage ConstantContext = new();

    private readonly string _text;
    private readonly List<Token> _tokens;
    private readonly IReadOnlyDictionary<string, SqlValue> _parameters;
    private int _index;
    private int _depth;

    private SqlParser(string text, IReadOnlyDictionary<string, SqlValue> parameters)
    {
        if (text.Length > MaxExpressionLength)
        {
            throw new FilterSyntaxException(text, MaxExpressionLength,
                $"The expression is {text.Length} characters long; at most {MaxExpressionLength} are allowed", null);
        }
        _text = text;
        _parameters = parameters;
        _tokens = SqlLexer.Tokenize(text);
    }

    private Token Current => _tokens[_index];

    private Token Peek => _tokens[Math.Min(_index + 1, _tokens.Count - 1)];

    /// <summary>Parses and compiles a filter expression.</summary>
    /// <param name="parameters">Parameter values by name without '@', compared case-insensitively.</param>
    /// <exception cref="FilterSyntaxException">The expression is not a valid filter.</exception>
    public static SqlNode ParseFilter(string text, IReadOnlyDictionary<string, SqlValue> parameters)
    {
        var parser = new SqlParser(text, parameters);
        var root = parser.ParseCondition();
        if (parser.Current.Kind != TokenKind.End)
            throw parser.ErrorAt(parser.Current, "Expected AND, OR or end of expression");
        parser.RequireCondition(root, "Expected a condition");
        return root;
    }

    private SqlNode ParseCondition()
    {
        var left = ParseAnd();
        while (Current.Keyword == Keyword.Or)
        {
            var op = Advance();
            var right = ParseAnd();
            RequireCondition(left, "Expected a condition before OR");
            RequireCondition(right, "Expected a condition after OR");
            left = Fold(new SqlNode.Or(op.Start, left, right));
        }
        return left;
    }

    private SqlNode ParseAnd()
    {
        var left = ParseNot();
        while (Current.Keyword == Keyword.And)
        {
            var op = Advance();
            var right = ParseNot();
            RequireCondition(left, "Expected a condition before AND");
            RequireCondition(right, "Expected a condition after AND");
            left = Fold(new SqlNode.And(op.Start, left, right));
        }
        return left;
    }

    private SqlNode ParseNot()
    {
        if (Current.Keyword != Keyword.Not)
            return ParsePredicate();
        var op = Advance();
        Enter(op);
        var operand = ParseNot();
        _depth--;
        RequireCondition(operand, "Expected a condition after NOT");
        return Fold(new SqlNode.Not(op.Start, operand));
    }

    private SqlNode ParsePredicate()
    {
        var left = ParseSum();
        var op = Current;
        switch (op.Kind)
        {
            case TokenKind.Equal:
            case TokenKind.NotEqual:
            case TokenKind.Less:
            case TokenKind.LessOrEqual:
            case TokenKind.Greater:
            case TokenKind.GreaterOrEqual:
                Advance();
                var right = ParseSum();
                return Fold(new SqlNode.Comparison(op.Start, ComparisonOf(op.Kind), left, right));
        }
        switch (op.Keyword)
        {
            case Keyword.Is:
                Advance();
                var negated = Current.Keyword == Keyword.Not;
                if (negated)
                    Advance();
                if (Current.Keyword != Keyword.Null)
                    throw ErrorAt(Current, negated ? "Expected NULL after IS NOT" : "Expected NULL after IS");
                Advance();
                return Fold(new SqlNode.IsNull(op.Start, left, negated));
            case Keyword.Not:
                Advance();
                return Current.Keyword switch
                {
                    Keyword.In => ParseIn(left, op, negated: true),
                    Keyword.Like => ParseLike(left, op, negated: true),
                    _ => throw ErrorAt(Current, "Expected IN or LIKE after NOT"),
                };
            case Keyword.In:
                return ParseIn(left, op, negated: false);
            case Keyword.Like:
                return ParseLike(left, op, negated: false);
            default:
                return left;
        }
    }

    private SqlNode ParseIn(SqlNode operand, Token op, bool negated)
    {
        Advance();
        if (Current.Kind != TokenKind.LeftParen)
            throw ErrorAt(Current, negated ? "Expected '(' after NOT IN" : "Expected '(' after IN");
        Enter(Advance());
        var items = new List<SqlNode>();
        while (true)
        {
            items.Add(ParseSum());
            if (Current.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }
            if (Current.Kind == TokenKind.RightParen)
            {
                Advance();
                break;
            }
            throw ErrorAt(Current, "Expected ',' or ')' in the IN list");
        }
        _depth--;
        return Fold(new SqlNode.In(op.Start, operand, [.. items], negated));
    }

    private SqlNode ParseLike(SqlNode operand, Token op, bool negated)
    {
        Advance();
        var pattern = ParseSum();
        SqlNode? escape = null;
        if (Current.Keyword == Keyword.Escape)
        {
            Advance();
            escape = ParseSum();
        }
        if (operand.Shape == NodeShape.Condition)
            throw Error(operand.Start, "Expected a String operand before LIKE", operand.Description);
        char? escapeChar = null;
        var escapeKnown = true;
        if (escape is SqlNode.Constant { Value: var escapeValue })
        {
            if (escapeValue.IsNull)
                escapeKnown = false;
            else if (escapeValue.Type != SqlType.String || escapeValue.AsString.Length != 1)
                throw Error(escape.Start, "Expected an ESCAPE character (a string of one character)", escape.Description);
            else
                escapeChar = escapeValue.AsString[0];
        }
        else if (escape is not null)
        {
            escapeKnown = false;
        }
        LikePattern? compiled = null;
        if (pattern is SqlNode.Constant { Value: var patternValue } && !patternValue.IsNull)
        {
            if (patternValue.Type != SqlType.String)
                throw Error(pattern.Start, "Expected a string pattern after LIKE", pattern.Description);
            var candidate = LikePattern.TryCompile(patternValue.AsString, escapeChar, out var error);
            if (escapeKnown)
                compiled = candidate ?? throw Error(pattern.Start, error!, null);
        }
        return Fold(new SqlNode.Like(op.Start, operand, pattern, escape, negated, compiled));
    }

    private SqlNode ParseSum()
    {
        var left = ParseProduct();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Advance();
            var right = ParseProduct();
            left = MakeArithmetic(op, op.Kind == TokenKind.Plus ? ArithmeticOperator.Add : ArithmeticOperator.Subtract, left, right);
        }
        return left;
    }

    private SqlNode ParseProduct()
    {
        var left = ParseUnary();
        while (Current.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var op = Advance();
            var right = ParseUnary();
            var kind = op.Kind switch
            {
                TokenKind.Star => ArithmeticOperator.Multiply,
                TokenKind.Slash => ArithmeticOperator.Divide,
                _ => ArithmeticOperator.Modulo,
            };
            left = MakeArithmetic(op, kind, left, right);
        }
        return left;
    }

    private SqlNode MakeArithmetic(Token op, ArithmeticOperator kind, SqlNode left, SqlNode right)
    {
        var symbol = SqlValue.Symbol(kind);
        if (left.Shape == NodeShape.Condition)
            throw Error(left.Start, $"Expected a value before '{symbol}'", left.Description);
        if (right.Shape == NodeShape.Condition)
            throw Error(right.Start, $"Expected a value after '{symbol}'", right.Description);
        return Fold(new SqlNode.Arithmetic(op.Start, kind, left, right));
    }

    private SqlNode ParseUnary()
    {
        if (Current.Kind is not (TokenKind.Plus or TokenKind.Minus))
            return ParsePrimary();
        var op = Advance();
        var negate = op.Kind == TokenKind.Minus;
        // -9223372036854775808 is long.MinValue; its digits alone overflow Int64.
        if (negate && Current.Kind == TokenKind.Integer && Current.Text!.TrimStart('0') == "9223372036854775808")
        {
            var digits = Advance();
            return new SqlNode.Constant(op.Start, SqlValue.Int64(long.MinValue), $"number -{digits.Text}");
        }
        Enter(op);
        var operand = ParseUnary();
        _depth--;
        var symbol = negate ? "-" : "+";
        if (operand.Shape == NodeShape.Condition)
            throw Error(operand.Start, $"Expected a value after unary '{symbol}'", operand.Description);
        return Fold(new SqlNode.Unary(op.Start, negate, operand));
    }

    private SqlNode ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.LeftParen:
            {
                Advance();
                Enter(token);
                var inner = ParseCondition();
                _depth--;
                Expect(TokenKind.RightParen, "Expected ')'");
                return inner;
            }
            case TokenKind.Integer:
                Advance();
                return long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var integer)
                    ? new SqlNode.Constant(token.Start, SqlValue.Int64(integer), $"number {token.Text}")
                    : throw Error(token.Start, $"The integer {Abbreviate(token.Text!)} is out of the range of Int64", null);
            case TokenKind.Decimal:
            case TokenKind.Float:
                Advance();
                var real = double.Parse(token.Text!, NumberStyles.Float, CultureInfo.InvariantCulture);
                return double.IsFinite(real)
                    ? new SqlNode.Constant(token.Start, SqlValue.Double(real), $"number {token.Text}")
                    : throw Error(token.Start, $"The number {Abbreviate(token.Text!)} is out of the range of Double", null);
            case TokenKind.String:
                Advance();
                return new SqlNode.Constant(token.Start, SqlValue.String(token.Text!), $"string {RawText(token)}");
            case TokenKind.Parameter:
                Advance();
                return _parameters.TryGetValue(token.Text!, out var parameter)
                    ? new SqlNode.Constant(token.Start, parameter, $"parameter @{token.Text}")
                    : throw Error(token.Start, $"The parameter '@{token.Text}' is not defined", null);
            case TokenKind.DelimitedIdentifier:
                Advance();
                return new SqlNode.UserProperty(token.Start, token.Text!);
            case TokenKind.Identifier:
                return ParseIdentifier(token);
            default:
                throw ErrorAt(token, ExpectedOperand());
        }
    }

    private SqlNode ParseIdentifier(Token token)
    {
        switch (token.Keyword)
        {
            case Keyword.True:
                Advance();
                return new SqlNode.Constant(token.Start, SqlValue.True, "TRUE");
            case Keyword.False:
                Advance();
                return new SqlNode.Constant(token.Start, SqlValue.False, "FALSE");
            case Keyword.Null:
                Advance();
                return new SqlNode.Constant(token.Start, SqlValue.Null, "NULL");
            case Keyword.Exists:
                return ParseExists();
        }
        if (token.IsReserved)
            throw ErrorAt(token, ExpectedOperand());
        if (Peek.Kind == TokenKind.LeftParen)
            return ParseFunction(token);
        var target = ParsePropertyTarget("Expected a property name");
        return target.IsSystem
            ? new SqlNode.SystemPropertyRef(target.Position, target.System)
            : new SqlNode.UserProperty(target.Position, target.Name);
    }

    private SqlNode ParseExists()
    {
        var exists = Advance();
        if (Current.Kind != TokenKind.LeftParen)
            throw ErrorAt(Current, "Expected '(' after EXISTS");
        Advance();
        var target = ParsePropertyTarget("Expected a property name after 'EXISTS('");
        Expect(TokenKind.RightParen, "Expected ')' after the property name in EXISTS");
        return target.IsSystem
            ? new SqlNode.ExistsSystem(exists.Start, target.System)
            : new SqlNode.ExistsUser(exists.Start, target.Name);
    }

    private SqlNode ParseFunction(Token name)
    {
        if (string.Equals(name.Text, "newid", StringComparison.OrdinalIgnoreCase))
        {
            Advance();
            Advance();
            Expect(TokenKind.RightParen, "Expected ')' after 'newid('");
            return new SqlNode.NewId(name.Start);
        }
        if (!string.Equals(name.Text, "property", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(name.Text, "p", StringComparison.OrdinalIgnoreCase))
        {
            throw Error(name.Start, $"Unknown function '{name.Text}'; the functions are newid(), property(name) and p(name)", null);
        }
        Advance();
        Enter(Advance());
        var argument = ParseSum();
        _depth--;
        Expect(TokenKind.RightParen, $"Expected ')' after the argument of {name.Text}()");
        if (argument is not SqlNode.Constant { Value: var value })
            return new SqlNode.PropertyFunction(name.Start, argument);
        if (value.Type != SqlType.String)
            throw Error(argument.Start, $"Expected a string property name in {name.Text}()", argument.Description);
        var text = value.AsString;
        if (text.StartsWith("sys.", StringComparison.OrdinalIgnoreCase))
        {
            return SystemProperties.TryParse(text[4..], out var system)
                ? new SqlNode.SystemPropertyRef(name.Start, system)
                : throw Error(argument.Start, $"Unknown system property '{text}'", null);
        }
        return new SqlNode.UserProperty(name.Start, text.StartsWith("user.", StringComparison.OrdinalIgnoreCase) ? text[5..] : text);
    }

    /// <summary>A property name with an optional sys. or user. scope, as EXISTS, SET and REMOVE take it.</summary>
    private PropertyTarget ParsePropertyTarget(string expected)
    {
        var token = Current;
        if (token.Kind == TokenKind.DelimitedIdentifier)
        {
            Advance();
            return new PropertyTarget(token.Start, false, default, token.Text!);
        }
        if (token.Kind != TokenKind.Identifier || token.IsReserved)
            throw ErrorAt(token, expected);
        Advance();
        if (Current.Kind != TokenKind.Dot)
            return new PropertyTarget(token.Start, false, default, token.Text!);
        var isSystem = string.Equals(token.Text, "sys", StringComparison.OrdinalIgnoreCase);
        if (!isSystem && !string.Equals(token.Text, "user", StringComparison.OrdinalIgnoreCase))
            throw Error(token.Start, $"Unknown scope '{token.Text}'; the scopes are sys and user (put a name containing '.' in [brackets])", null);
        Advance();
        var name = Current;
        // After a scope a keyword is just a name: user.from, sys.To.
        if (name.Kind is not (TokenKind.Identifier or TokenKind.DelimitedIdentifier))
            throw ErrorAt(name, $"Expected a property name after '{token.Text}.'");
        Advance();
        if (!isSystem)
            return new PropertyTarget(token.Start, false, default, name.Text!);
        return SystemProperties.TryParse(name.Text!, out var system)
            ? new PropertyTarget(token.Start, true, system, name.Text!)
            : throw Error(name.Start, $"Unknown system property 'sys.{name.Text}'", null);
    }

    private static ComparisonOperator ComparisonOf(TokenKind kind) => kind switch
    {
        TokenKind.Equal => ComparisonOperator.Equal,
        TokenKind.NotEqual => ComparisonOperator.NotEqual,
        TokenKind.Less => ComparisonOperator.Less,
        TokenKind.LessOrEqual => ComparisonOperator.LessOrEqual,
        TokenKind.Greater => ComparisonOperator.Greater,
        _ => ComparisonOperator.GreaterOrEqual,
    };

    /// <summary>Replaces a node whose operands are all constant by its value; a failure is reported as a syntax error.</summary>
    private SqlNode Fold(SqlNode node)
    {
        if (!node.CanFold)
            return node;
        SqlValue value;
        try
        {
            value = node.Evaluate(ConstantContext);
        }
        catch (FilterEvaluationException ex)
        {
            throw new FilterSyntaxException(_text, ex.Position, ex.Reason ?? ex.Message, null, ex);
        }
        var description = value.Type switch
        {
            SqlType.Boolean => value.AsBoolean ? "TRUE" : "FALSE",
            SqlType.Null => "NULL",
            SqlType.String => "a string",
            _ => node.Description,
        };
        return new SqlNode.Constant(node.Position, value, description, node.Start);
    }

    private void RequireCondition(SqlNode node, string expected)
    {
        if (node.Shape == NodeShape.Value)
            throw Error(node.Start, expected, node.Description);
    }

    private string ExpectedOperand() =>
        _index == 0 ? "Expected a condition" : $"Expected an operand after {After(_tokens[_index - 1])}";

    private Token Advance() => _tokens[_index < _tokens.Count - 1 ? _index++ : _index];

    private void Expect(TokenKind kind, string expected)
    {
        if (Current.Kind != kind)
            throw ErrorAt(Current, expected);
        Advance();
    }

    private void Enter(Token token)
    {
        if (++_depth > MaxDepth)
            throw Error(token.Start, $"The expression is nested more than {MaxDepth} levels deep", null);
    }

    private FilterSyntaxException ErrorAt(Token token, string expected) => Error(token.Start, expected, Found(token));

    private FilterSyntaxException Error(int position, string problem, string? found) => new(_text, position, problem, found);

    /// <summary>How an error names the token that was found instead of the expected one.</summary>
    private string Found(Token token) => token.Kind switch
    {
        TokenKind.End => "end of expression",
        TokenKind.Identifier when token.Keyword != Keyword.None => $"keyword {token.Text!.ToUpperInvariant()}",
        TokenKind.Identifier => $"identifier '{RawText(token)}'",
        TokenKind.DelimitedIdentifier => $"identifier {RawText(token)}",
        TokenKind.String => $"string {RawText(token)}",
        TokenKind.Integer or TokenKind.Decimal or TokenKind.Float => $"number {Abbreviate(token.Text!)}",
        TokenKind.Parameter => $"parameter @{Abbreviate(token.Text!)}",
        _ => $"'{RawText(token)}'",
    };

    /// <summary>How an error names the token an operand should have followed.</summary>
    private string After(Token token) => token.Kind == TokenKind.Identifier && token.Keyword != Keyword.None
        ? token.Text!.ToUpperInvariant()
        : token.Kind is TokenKind.Identifier or TokenKind.DelimitedIdentifier or TokenKind.String
            or TokenKind.Integer or TokenKind.Decimal or TokenKind.Float or TokenKind.Parameter
            ? Found(token)
            : $"'{RawText(token)}'";

    private string RawText(Token token) => Abbreviate(_text.Substring(token.Start, token.Length));

    private static string Abbreviate(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");
}
