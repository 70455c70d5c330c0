using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using SupportCommunity.Events;
using SupportCommunity.Identity;

namespace SupportCommunity.Moderation;

/// <summary>Reports and the moderation queue (section <c>Moderation</c>).</summary>
public sealed class ReportOptions
{
    public const string Section = "Moderation";

    /// <summary>Open reports from trusted members (trusted members, volunteer moderators, staff) that hide a message.</summary>
    public int AutoHideReports { get; set; } = 3;

    /// <summary>Reports one member may file per <see cref="ReportWindow"/>.</summary>
    public int ReportsPerWindow { get; set; } = 10;

    public TimeSpan ReportWindow { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>What a report returns. <see cref="AlreadyReported"/>: this member had reported the message before; nothing new was stored.</summary>
public sealed record ReportReceipt(long ReportId, long MessageId, bool AlreadyReported, bool Hidden);

/// <summary>A message as staff see it in the queue: its text even when hidden or deleted.</summary>
public sealed record QueueMessage(
    long Id,
    string RoomSlug,
    long Sequence,
    string AuthorId,
    string AuthorName,
    string AuthorRole,
    string Body,
    DateTimeOffset CreatedAt,
    bool Hidden,
    bool Deleted);

public sealed record ReportEntry(long Id, string ReporterId, string ReporterName, string Reason, DateTimeOffset CreatedAt);

/// <summary>
/// A reported message with its open reports. <see cref="ClaimedById"/>: the moderator working on it.
/// <see cref="CanAct"/>: the caller may act on it (agents and moderators outside the room see it read-only, or not at all).
/// </summary>
public sealed record ReportedMessage(
    QueueMessage Message,
    string RoomName,
    IReadOnlyList<ReportEntry> Reports,
    string? ClaimedById,
    string? ClaimedByName,
    bool CanAct);

/// <summary>A send held by an automod rule, waiting for approval. It is not in the room yet.</summary>
public sealed record HeldItem(
    long Id,
    string RoomSlug,
    string RoomName,
    string AuthorId,
    string AuthorName,
    string AuthorRole,
    string Body,
    string Rule,
    DateTimeOffset CreatedAt,
    bool CanAct);

public sealed record ModerationQueueView(IReadOnlyList<ReportedMessage> Reports, IReadOnlyList<HeldItem> Held)
{
    public int Count => Reports.Count + Held.Count;
}

/// <summary>
/// One of a reported author's sanctions. <see cref="CanLift"/>: the caller may lift it (a hint for the UI; lifting
/// authorizes again): managers any sanction in force, a volunteer moderator room bans of their rooms and timeouts they gave.
/// </summary>
public sealed record SanctionView(
    long Id, SanctionKind Kind, string? RoomSlug, string Reason, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, bool Active,
    bool CanLift = false);

/// <summary>What a moderator needs to judge a report: the messages around it, the author's recent ones and sanctions.</summary>
public sealed record ReportContext(
    QueueMessage Message,
    IReadOnlyList<QueueMessage> Before,
    IReadOnlyList<QueueMessage> After,
    IReadOnlyList<QueueMessage> AuthorHistory,
    IReadOnlyList<SanctionView> Sanctions);

/// <summary>The moderation queue of some room changed (a report, a held message, a resolution): staff views reload it.</summary>
public sealed record ModerationQueueChanged(string Room) : RoomEvent(Channel)
{
    /// <summary>The bus channel of the queue; no room slug can take it (slugs have no '@').</summary>
    public const string Channel = "@moderation";
}

/// <summary>Per-member report limit: a sliding window, so a member cannot flood the queue.</summary>
public sealed class ReportGuard : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly TimeSpan _window;

    public ReportGuard(IOptions<ReportOptions> options)
    {
        var settings = options.Value;
        _window = settings.ReportWindow;
        _limiter = PartitionedRateLimiter.Create<string, string>(userId =>
            RateLimitPartition.GetSlidingWindowLimiter(userId, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = settings.ReportsPerWindow,
                Window = settings.ReportWindow,
                SegmentsPerWindow = 10,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    public void Charge(Actor actor)
    {
        using var lease = _limiter.AttemptAcquire(actor.UserId);
        if (lease.IsAcquired)
        {
            return;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : _window;
        var minutes = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes));
        throw new CommunityException(
            CommunityError.TooManyRequests,
            $"You've sent a lot of reports. Try again in {minutes} min.",
            TimeSpan.FromMinutes(minutes));
    }

    public void Dispose() => _limiter.Dispose();
}
