namespace Ferry.Broker.Filters;

/// <summary>A token: where it is in the expression and, for names, strings and numbers, its decoded text.</summary>
internal readonly record struct Token(TokenKind Kind, int Start, int Length, string? Text = null, Keyword Keyword = Keyword.None)
{
    public bool IsReserved => Kind == TokenKind.Identifier && Keyword is > Keyword.None and < Keyword.Set;
}
