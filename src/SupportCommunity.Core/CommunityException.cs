namespace SupportCommunity;

/// <summary>What went wrong, in terms every entry point can map: REST to a status code, the hub to a HubException.</summary>
public enum CommunityError
{
    Invalid,
    NotFound,
    Forbidden,
    Conflict,
    TooLarge,
    TooManyRequests,

    /// <summary>Not refused, not posted: the send waits for a moderator's review (automod Hold). REST answers 202.</summary>
    Held,
}

/// <summary>
/// A refusal the caller can act on. The message is safe to show to the caller as is: it is short, clear,
/// and never holds internals.
/// </summary>
public sealed class CommunityException(CommunityError error, string message, TimeSpan? retryAfter = null)
    : Exception(message)
{
    public CommunityError Error { get; } = error;

    /// <summary>For <see cref="CommunityError.TooManyRequests"/>: when the caller may try again.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static CommunityException Invalid(string message) => new(CommunityError.Invalid, message);

    /// <summary>Also used where the object exists but the caller may not know it: not found looks like forbidden.</summary>
    public static CommunityException NotFound(string message) => new(CommunityError.NotFound, message);

    public static CommunityException Forbidden(string message) => new(CommunityError.Forbidden, message);
}
