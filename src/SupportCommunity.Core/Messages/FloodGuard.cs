using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using SupportCommunity.Identity;

namespace SupportCommunity.Messages;

/// <summary>What a window counts: messages sent, or reactions toggled.</summary>
public enum FloodKind
{
    Send,
    Reaction,
}

/// <summary>
/// Whose actions a window counts: one user's sends in one room (trusted or not), or one user's reaction toggles
/// everywhere (<see cref="FloodKind.Reaction"/>, room 0).
/// </summary>
public readonly record struct FloodKey(string UserId, int RoomId, bool Trusted, FloodKind Kind = FloodKind.Send);

/// <summary>
/// Per user and room send limit (design.md §5): a sliding window, relaxed for trusted members, none for staff. On one
/// node the window lives in memory; with Redis configured it is shared by every node (<see cref="RedisFloodLimiter"/>),
/// and falls back to memory whenever Redis cannot answer at once, so sends never wait on Redis. The same windows
/// count each user's reaction toggles (<see cref="ChargeReactionAsync"/>, ADR-0014), for everyone, staff included.
/// Within the limit, a member's sends in a room are paced a spacing apart (<see cref="PaceAsync"/>, ADR-0015).
/// </summary>
public sealed class FloodGuard : IDisposable
{
    private readonly PartitionedRateLimiter<FloodKey> _limiter;
    private readonly SendPacer? _pacer;
    private readonly CommunityLimits _limits;

    public FloodGuard(IOptions<CommunityLimits> options, TimeProvider clock)
        : this(options, clock, shared: null)
    {
    }

    /// <param name="shared">
    /// Builds the limiter shared across nodes around the in-memory one it falls back to; null keeps the in-memory one.
    /// </param>
    public FloodGuard(
        IOptions<CommunityLimits> options, TimeProvider clock, Func<PartitionedRateLimiter<FloodKey>, PartitionedRateLimiter<FloodKey>>? shared)
    {
        var limits = options.Value;
        _limits = limits;
        var local = CreateInMemory(limits);
        _limiter = shared is null ? local : shared(local);
        _pacer = limits.FloodSpacing > TimeSpan.Zero ? new SendPacer(limits.FloodSpacing, clock) : null;
    }

    /// <summary>Sends of one user in one room that may wait for their turn at once; more are refused as too fast.</summary>
    public const int MaxPacedSends = SendPacer.MaxWaiting;

    /// <summary>The in-memory sliding window: the single-node limiter, and the fallback of the shared one.</summary>
    public static PartitionedRateLimiter<FloodKey> CreateInMemory(CommunityLimits limits) =>
        PartitionedRateLimiter.Create<FloodKey, FloodKey>(key =>
            RateLimitPartition.GetSlidingWindowLimiter(key, k => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = PermitLimit(limits, k),
                Window = Window(limits, k),
                SegmentsPerWindow = 5,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    public static int PermitLimit(CommunityLimits limits, FloodKey key) =>
        key.Kind == FloodKind.Reaction ? limits.ReactionToggles
        : key.Trusted ? limits.TrustedFloodMessages : limits.FloodMessages;

    public static TimeSpan Window(CommunityLimits limits, FloodKey key) =>
        key.Kind == FloodKind.Reaction ? limits.ReactionWindow : limits.FloodWindow;

    /// <summary>Counts one send, or throws a 429-style refusal that says when to try again.</summary>
    public void Charge(Actor actor, int roomId)
    {
        if (actor.IsStaff)
        {
            return;
        }

        var key = Key(actor, roomId);
        using var lease = _limiter.AttemptAcquire(key);
        Check(lease, key);
    }

    /// <summary>
    /// The refusal for a sender who is over the limit already on this node, without counting anything, so that a
    /// flood is turned away before it costs any database work; null while they are under it. The send itself is
    /// counted later, by <see cref="ChargeAsync"/>.
    /// </summary>
    public CommunityException? RefusalIfOverLimit(Actor actor, int roomId)
    {
        if (actor.IsStaff)
        {
            return null;
        }

        // Asking for no permit answers whether any is left, and when one will be.
        var key = Key(actor, roomId);
        using var lease = _limiter.AttemptAcquire(key, permitCount: 0);
        return Refusal(lease, key);
    }

    /// <summary>As <see cref="Charge"/>, asking the shared window when there is one.</summary>
    public async ValueTask ChargeAsync(Actor actor, int roomId)
    {
        if (actor.IsStaff)
        {
            return;
        }

        var key = Key(actor, roomId);
        using var lease = await _limiter.AcquireAsync(key);
        Check(lease, key);
    }

    /// <summary>
    /// Spaces one member's sends in one room by <see cref="CommunityLimits.FloodSpacing"/>: a send right behind the
    /// previous one waits out the rest of the spacing instead of being refused. The limit's allowance (five sends from
    /// five tabs, say) so reaches the room one after another, never as one burst of fan-out. Staff are not paced.
    /// </summary>
    public async ValueTask PaceAsync(Actor actor, int roomId, CancellationToken cancellationToken = default)
    {
        if (_pacer is null || actor.IsStaff)
        {
            return;
        }

        if (!await _pacer.WaitTurnAsync(Key(actor, roomId), cancellationToken))
        {
            throw new CommunityException(
                CommunityError.TooManyRequests, "You're sending messages too fast. Try again in 1 s.", TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>
    /// Counts one reaction toggle of this user (in any room, staff included: nobody needs to react faster), asking
    /// the shared window when there is one, or throws a 429-style refusal that says when to try again.
    /// </summary>
    public async ValueTask ChargeReactionAsync(Actor actor)
    {
        var key = new FloodKey(actor.UserId, RoomId: 0, Trusted: false, FloodKind.Reaction);
        using var lease = await _limiter.AcquireAsync(key);
        Check(lease, key);
    }

    private static FloodKey Key(Actor actor, int roomId) => new(actor.UserId, roomId, actor.IsTrusted);

    private void Check(RateLimitLease lease, FloodKey key)
    {
        if (Refusal(lease, key) is { } refusal)
        {
            throw refusal;
        }
    }

    private CommunityException? Refusal(RateLimitLease lease, FloodKey key)
    {
        if (lease.IsAcquired)
        {
            return null;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window(_limits, key);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var what = key.Kind == FloodKind.Reaction ? "reacting" : "sending messages";
        return new CommunityException(
            CommunityError.TooManyRequests,
            $"You're {what} too fast. Try again in {seconds} s.",
            TimeSpan.FromSeconds(seconds));
    }

    public void Dispose() => _limiter.Dispose();
}
