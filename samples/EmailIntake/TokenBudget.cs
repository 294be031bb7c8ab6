namespace EmailIntake;

/// <summary>Seed 003's token arithmetic: a 400K-token context, 10K of it kept for the system prompt and the output.</summary>
public static class TokenBudget
{
    public const long ContextTokens = 400_000;
    public const long ReservedTokens = 10_000;

    /// <summary>What a batch's emails may use together: 390,000 tokens.</summary>
    public const long InputTokens = ContextTokens - ReservedTokens;

    /// <summary>
    /// The usual rough estimate, four characters to a token, plus 20 tokens for the framing of each email in the prompt.
    /// A typical email of about 2,000 characters is about 500 tokens, the seed's average. Use the model's tokenizer
    /// when it matters: the batch consumer calls this once per message.
    /// </summary>
    public static long Estimate(Email email) => (email.From.Length + email.Subject.Length + email.Body.Length) / 4 + 20;
}
