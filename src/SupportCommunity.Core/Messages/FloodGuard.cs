using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using SupportCommunity.Identity;

namespace SupportCommunity.Messages;

/// <summary>
/// Per user and room send limit (design.md §5): a sliding window, relaxed for trusted members, none for staff.
/// </summary>
public sealed class FloodGuard : IDisposable
{
    private readonly PartitionedRateLimiter<(string UserId, int RoomId, bool Trusted)> _limiter;
    private readonly TimeSpan _window;

    public FloodGuard(IOptions<CommunityLimits> options)
    {
        var limits = options.Value;
        _window = limits.FloodWindow;
        _limiter = PartitionedRateLimiter.Create<(string UserId, int RoomId, bool Trusted), (string, int, bool)>(key =>
            RateLimitPartition.GetSlidingWindowLimiter(key, k => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = k.Item3 ? limits.TrustedFloodMessages : limits.FloodMessages,
                Window = limits.FloodWindow,
                SegmentsPerWindow = 5,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Counts one send, or throws a 429-style refusal that says when to try again.</summary>
    public void Charge(Actor actor, int roomId)
    {
        if (actor.IsStaff)
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire((actor.UserId, roomId, actor.IsTrusted));
        if (lease.IsAcquired)
        {
            return;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : _window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        throw new CommunityException(
            CommunityError.TooManyRequests,
            $"You're sending messages too fast. Try again in {seconds} s.",
            TimeSpan.FromSeconds(seconds));
    }

    public void Dispose() => _limiter.Dispose();
}
