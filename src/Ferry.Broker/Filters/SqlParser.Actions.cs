namespace Ferry.Broker.Filters;

/// <remarks>
/// Actions (learn.microsoft.com/azure/service-bus-messaging/service-bus-messaging-sql-rule-action):
/// <code>
/// action     := statement { separator statement } [ ';' ]
/// separator  := ';' [ ',' ] | ','
/// statement  := SET property '=' sum { ',' property '=' sum }
///             | REMOVE property { ',' property }
/// </code>
/// A ',' followed by SET or REMOVE starts a new statement; otherwise it continues the current one's list.
/// </remarks>
internal sealed partial class SqlParser
{
    /// <summary>Azure's limit on the SET and REMOVE operations of one action.</summary>
    public const int MaxActionOperations = 32;

    /// <summary>Parses and compiles an action expression.</summary>
    /// <exception cref="FilterSyntaxException">The expression is not a valid action.</exception>
    public static ActionStatement[] ParseAction(string text, IReadOnlyDictionary<string, SqlValue> parameters)
    {
        var parser = new SqlParser(text, parameters);
        var statements = new List<ActionStatement>();
        while (true)
        {
            var verb = parser.Current;
            if (verb.Keyword == Keyword.Set)
                parser.ParseSetList(statements);
            else if (verb.Keyword == Keyword.Remove)
                parser.ParseRemoveList(statements);
            else
                throw parser.ErrorAt(verb, "Expected SET or REMOVE");

            if (parser.Current.Kind == TokenKind.Semicolon)
            {
                parser.Advance();
                if (parser.Current.Kind == TokenKind.Comma)
                    parser.Advance();
                else if (parser.Current.Kind == TokenKind.End)
                    return [.. statements];
                continue;
            }
            if (parser.Current.Kind == TokenKind.Comma)
            {
                parser.Advance();
                continue;
            }
            if (parser.Current.Kind == TokenKind.End)
                return [.. statements];
            throw parser.ErrorAt(parser.Current, "Expected ';', ',' or end of action");
        }
    }

    private void ParseSetList(List<ActionStatement> statements)
    {
        var after = "SET";
        Advance();
        while (true)
        {
            var target = ParsePropertyTarget($"Expected a property name after {after}");
            if (target.IsSystem && !SystemProperties.IsSettable(target.System))
                throw Error(target.Position, $"The system property '{target.Display}' can't be set", null);
            Expect(TokenKind.Equal, $"Expected '=' after '{target.Display}'");
            var value = ParseSum();
            if (target.IsSystem && value is SqlNode.Constant { Value: var constant })
            {
                try
                {
                    ActionStatement.ToSystemValue(target, constant, value.Start);
                }
                catch (FilterEvaluationException ex)
                {
                    throw new FilterSyntaxException(_text, ex.Position, ex.Reason ?? ex.Message, null, ex);
                }
            }
            Add(statements, new ActionStatement(target, value));
            if (!ContinuesList())
                return;
            after = "','";
        }
    }

    private void ParseRemoveList(List<ActionStatement> statements)
    {
        var after = "REMOVE";
        Advance();
        while (true)
        {
            var target = ParsePropertyTarget($"Expected a property name after {after}");
            if (target.IsSystem && !SystemProperties.IsRemovable(target.System))
                throw Error(target.Position, $"The system property '{target.Display}' can't be removed", null);
            Add(statements, new ActionStatement(target, null));
            if (!ContinuesList())
                return;
            after = "','";
        }
    }

    /// <summary>Consumes a ',' that continues the current statement's list, not one that starts a new statement.</summary>
    private bool ContinuesList()
    {
        if (Current.Kind != TokenKind.Comma || Peek.Keyword is Keyword.Set or Keyword.Remove)
            return false;
        Advance();
        return true;
    }

    private void Add(List<ActionStatement> statements, ActionStatement statement)
    {
        if (statements.Count == MaxActionOperations)
        {
            throw Error(statement.Target.Position,
                $"An action may have at most {MaxActionOperations} SET and REMOVE operations", null);
        }
        statements.Add(statement);
    }
}
