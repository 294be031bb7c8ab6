namespace Ferry.Broker.Filters;

internal enum TokenKind : byte
{
    End,

    /// <summary>A regular identifier (letter, then letters, digits, '_'); keywords are regular identifiers too.</summary>
    Identifier,

    /// <summary>A [bracketed] or "quoted" identifier.</summary>
    DelimitedIdentifier,
    String,
    Integer,
    Decimal,

    /// <summary>A number with an exponent: 1.5E2.</summary>
    Float,

    /// <summary>@name.</summary>
    Parameter,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    LeftParen,
    RightParen,
    Comma,
    Semicolon,
    Dot,
}
