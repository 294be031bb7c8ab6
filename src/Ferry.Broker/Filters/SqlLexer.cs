using System.Text;

namespace Ferry.Broker.Filters;

/// <summary>
/// Splits a filter or action expression into tokens.
/// <code>
/// identifier   letter { letter | digit | '_' }            (char.IsLetter / char.IsDigit, so any script)
/// delimited    '[' { any | ']]' } ']'  |  '"' { any | '""' } '"'
/// string       "'" { any | "''" } "'"
/// number       digits [ '.' digits* ] [ ('e'|'E') ['+'|'-'] digits ]  |  '.' digits [ exponent ]
/// parameter    '@' { letter | digit | '_' }+
/// operators    = &lt;&gt; != &lt; &lt;= &gt; &gt;= + - * / % ( ) , ; .
/// </code>
/// Whitespace (char.IsWhiteSpace) separates tokens. There are no comments.
/// </summary>
internal static class SqlLexer
{
    private static readonly Dictionary<string, Keyword> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AND"] = Keyword.And,
        ["OR"] = Keyword.Or,
        ["NOT"] = Keyword.Not,
        ["IS"] = Keyword.Is,
        ["NULL"] = Keyword.Null,
        ["IN"] = Keyword.In,
        ["LIKE"] = Keyword.Like,
        ["ESCAPE"] = Keyword.Escape,
        ["EXISTS"] = Keyword.Exists,
        ["TRUE"] = Keyword.True,
        ["FALSE"] = Keyword.False,
        ["SET"] = Keyword.Set,
        ["REMOVE"] = Keyword.Remove,
    };

    /// <exception cref="FilterSyntaxException">An unterminated string or identifier, a malformed number or an unexpected character.</exception>
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
                i++;
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, text.Length, 0));
                return tokens;
            }
            var start = i;
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (c)
            {
                case '(':
                    tokens.Add(new Token(TokenKind.LeftParen, i++, 1));
                    break;
                case ')':
                    tokens.Add(new Token(TokenKind.RightParen, i++, 1));
                    break;
                case ',':
                    tokens.Add(new Token(TokenKind.Comma, i++, 1));
                    break;
                case ';':
                    tokens.Add(new Token(TokenKind.Semicolon, i++, 1));
                    break;
                case '+':
                    tokens.Add(new Token(TokenKind.Plus, i++, 1));
                    break;
                case '-':
                    tokens.Add(new Token(TokenKind.Minus, i++, 1));
                    break;
                case '*':
                    tokens.Add(new Token(TokenKind.Star, i++, 1));
                    break;
                case '/':
                    tokens.Add(new Token(TokenKind.Slash, i++, 1));
                    break;
                case '%':
                    tokens.Add(new Token(TokenKind.Percent, i++, 1));
                    break;
                case '=':
                    tokens.Add(new Token(TokenKind.Equal, i++, 1));
                    break;
                case '<':
                    if (next == '=')
                        tokens.Add(new Token(TokenKind.LessOrEqual, start, 2));
                    else if (next == '>')
                        tokens.Add(new Token(TokenKind.NotEqual, start, 2));
                    else
                        tokens.Add(new Token(TokenKind.Less, start, 1));
                    i += tokens[^1].Length;
                    break;
                case '>':
                    tokens.Add(next == '=' ? new Token(TokenKind.GreaterOrEqual, start, 2) : new Token(TokenKind.Greater, start, 1));
                    i += tokens[^1].Length;
                    break;
                case '!':
                    if (next != '=')
                        throw new FilterSyntaxException(text, i + 1, "Expected '=' after '!'", DescribeCharAt(text, i + 1));
                    tokens.Add(new Token(TokenKind.NotEqual, start, 2));
                    i += 2;
                    break;
                case '\'':
                    i = ReadQuoted(text, i, '\'', TokenKind.String, "Unterminated string", tokens);
                    break;
                case '"':
                    i = ReadQuoted(text, i, '"', TokenKind.DelimitedIdentifier, "Unterminated quoted identifier", tokens);
                    break;
                case '[':
                    i = ReadQuoted(text, i, ']', TokenKind.DelimitedIdentifier, "Unterminated delimited identifier", tokens);
                    break;
                case '@':
                    i++;
                    while (i < text.Length && IsIdentifierPart(text[i]))
                        i++;
                    if (i == start + 1)
                        throw new FilterSyntaxException(text, i, "Expected a parameter name after '@'", DescribeCharAt(text, i));
                    tokens.Add(new Token(TokenKind.Parameter, start, i - start, text[(start + 1)..i]));
                    break;
                case '.':
                    // ".5" is a number unless the dot follows a name ("sys.5" is a scope and a bad name).
                    if (char.IsAsciiDigit(next) && !FollowsName(tokens, start))
                        i = ReadNumber(text, i, tokens);
                    else
                        tokens.Add(new Token(TokenKind.Dot, i++, 1));
                    break;
                default:
                    if (char.IsAsciiDigit(c))
                    {
                        i = ReadNumber(text, i, tokens);
                    }
                    else if (char.IsLetter(c))
                    {
                        i++;
                        while (i < text.Length && IsIdentifierPart(text[i]))
                            i++;
                        var name = text[start..i];
                        tokens.Add(new Token(TokenKind.Identifier, start, i - start, name,
                            Keywords.TryGetValue(name, out var keyword) ? keyword : Keyword.None));
                    }
                    else
                    {
                        throw new FilterSyntaxException(text, i, $"Unexpected character {DescribeChar(c)}", null);
                    }
                    break;
            }
        }
    }

    private static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static bool FollowsName(List<Token> tokens, int start) =>
        tokens.Count > 0 && tokens[^1].Start + tokens[^1].Length == start
        && tokens[^1].Kind is TokenKind.Identifier or TokenKind.DelimitedIdentifier;

    private static int ReadQuoted(string text, int start, char close, TokenKind kind, string unterminated, List<Token> tokens)
    {
        var i = start + 1;
        StringBuilder? escaped = null;
        var runStart = i;
        while (true)
        {
            if (i >= text.Length)
                throw new FilterSyntaxException(text, start, unterminated, null);
            if (text[i] != close)
            {
                i++;
                continue;
            }
            if (i + 1 < text.Length && text[i + 1] == close)
            {
                // A doubled closing character stands for itself.
                escaped ??= new StringBuilder();
                escaped.Append(text, runStart, i - runStart + 1);
                i += 2;
                runStart = i;
                continue;
            }
            break;
        }
        var value = escaped is null ? text[runStart..i] : escaped.Append(text, runStart, i - runStart).ToString();
        if (kind == TokenKind.DelimitedIdentifier && value.Length == 0)
            throw new FilterSyntaxException(text, start, "Expected a property name between the delimiters", "an empty name");
        tokens.Add(new Token(kind, start, i + 1 - start, value));
        return i + 1;
    }

    private static int ReadNumber(string text, int start, List<Token> tokens)
    {
        var i = start;
        var kind = TokenKind.Integer;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
            i++;
        if (i < text.Length && text[i] == '.')
        {
            kind = TokenKind.Decimal;
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
                i++;
        }
        if (i < text.Length && (text[i] is 'e' or 'E'))
        {
            kind = TokenKind.Float;
            i++;
            if (i < text.Length && (text[i] is '+' or '-'))
                i++;
            var digits = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
                i++;
            if (i == digits)
                throw new FilterSyntaxException(text, i, "Expected digits in the exponent of the number", DescribeCharAt(text, i));
        }
        tokens.Add(new Token(kind, start, i - start, text[start..i]));
        return i;
    }

    internal static string DescribeCharAt(string text, int index) =>
        index >= text.Length ? "end of expression" : $"character {DescribeChar(text[index])}";

    internal static string DescribeChar(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c) ? $"U+{(int)c:X4}" : $"'{c}'";
}
