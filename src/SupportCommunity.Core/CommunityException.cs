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

    /// <summary>
    /// Nothing was saved because the database was busy (a write lock held too long, a timeout): the same request may be
    /// sent again as is (sends are idempotent). REST answers 503 with Retry-After.
    /// </summary>
    Unavailable,
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

    public static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(2);

    public const string BusyMessage = "The community is busy right now and nothing was saved. Try again in a moment.";

    /// <summary>The retryable refusal for a database that was busy (see <see cref="IsTransient"/>).</summary>
    public static CommunityException Busy() => new(CommunityError.Unavailable, BusyMessage, BusyRetryAfter);

    /// <summary>
    /// A failure worth retrying as is: the database was locked or busy, or timed out (SQLite's SQLITE_BUSY, SQL Server's
    /// deadlocks and timeouts), possibly wrapped by EF Core.
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            // SQL Server marks its own (IsTransient); SQLite does not mark SQLITE_BUSY (5) and SQLITE_LOCKED (6).
            if (e is System.Data.Common.DbException { IsTransient: true }
                or Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 }
                or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
