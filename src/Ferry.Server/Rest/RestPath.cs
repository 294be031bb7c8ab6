using Microsoft.AspNetCore.Http;

namespace Ferry.Server.Rest;

/// <summary>What a REST messaging request asks for.</summary>
internal enum RestOperation
{
    /// <summary><c>POST {entity}/messages</c>.</summary>
    Send,

    /// <summary><c>POST {entity}/messages/head</c>.</summary>
    PeekLock,

    /// <summary><c>DELETE {entity}/messages/head</c>.</summary>
    ReceiveAndDelete,

    /// <summary><c>PUT {entity}/messages/{seq|messageId}/{lockToken}</c>.</summary>
    Unlock,

    /// <summary><c>DELETE {entity}/messages/{seq|messageId}/{lockToken}</c>.</summary>
    Complete,

    /// <summary><c>POST {entity}/messages/{seq|messageId}/{lockToken}</c>.</summary>
    RenewLock,
}

/// <summary>
/// A parsed REST messaging path. Entity paths may hold '/' (<c>topic/Subscriptions/sub</c>, <c>queue/$DeadLetterQueue</c>,
/// queue names with '/'), so the messaging suffix is matched from the end; the keywords are case-insensitive.
/// </summary>
internal readonly record struct RestPath(RestOperation Operation, string Entity, string MessageReference = "", Guid LockToken = default)
{
    private const string Messages = "messages";
    private const string Head = "head";

    /// <summary>
    /// Recognizes <paramref name="path"/> (the request path, with its leading '/') for <paramref name="method"/>. A path of
    /// the right shape with a method the shape does not take is not recognized: it goes on to the other handlers.
    /// </summary>
    public static bool TryParse(string method, string path, out RestPath result)
    {
        result = default;
        var segments = path.Trim('/').Split('/');
        var n = segments.Length;
        if (segments.Any(s => s.Length == 0))
            return false;

        if (n >= 2 && Is(segments[n - 1], Messages))
        {
            if (!HttpMethods.IsPost(method))
                return false;
            result = new RestPath(RestOperation.Send, Join(segments, n - 1));
            return true;
        }
        if (n >= 3 && Is(segments[n - 2], Messages) && Is(segments[n - 1], Head))
        {
            RestOperation? operation = HttpMethods.IsPost(method) ? RestOperation.PeekLock
                : HttpMethods.IsDelete(method) ? RestOperation.ReceiveAndDelete
                : null;
            if (operation is null)
                return false;
            result = new RestPath(operation.Value, Join(segments, n - 2));
            return true;
        }
        if (n >= 4 && Is(segments[n - 3], Messages) && Guid.TryParse(Uri.UnescapeDataString(segments[n - 1]), out var lockToken))
        {
            RestOperation? operation = HttpMethods.IsPut(method) ? RestOperation.Unlock
                : HttpMethods.IsDelete(method) ? RestOperation.Complete
                : HttpMethods.IsPost(method) ? RestOperation.RenewLock
                : null;
            if (operation is null)
                return false;
            result = new RestPath(operation.Value, Join(segments, n - 3), Uri.UnescapeDataString(segments[n - 2]), lockToken);
            return true;
        }
        return false;
    }

    /// <summary>The path of a locked message, as the <c>Location</c> header gives it (without scheme and host).</summary>
    public static string LockedMessagePath(string entity, long sequenceNumber, Guid lockToken) =>
        $"/{EscapePath(entity)}/{Messages}/{sequenceNumber}/{lockToken}";

    /// <summary>Escapes each segment of an entity path, keeping the '/' between them.</summary>
    public static string EscapePath(string entity) => string.Join('/', entity.Split('/').Select(Uri.EscapeDataString));

    private static bool Is(string segment, string keyword) => string.Equals(segment, keyword, StringComparison.OrdinalIgnoreCase);

    private static string Join(string[] segments, int count) => string.Join('/', segments.Take(count).Select(Uri.UnescapeDataString));
}
