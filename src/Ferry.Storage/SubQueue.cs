namespace Ferry.Storage;

/// <summary>Which queue of an entity a message is in.</summary>
public enum SubQueue
{
    /// <summary>The entity's main queue.</summary>
    Main = 0,

    /// <summary>The dead-letter sub-queue, <c>&lt;entity&gt;/$DeadLetterQueue</c>.</summary>
    DeadLetter = 1,
}
