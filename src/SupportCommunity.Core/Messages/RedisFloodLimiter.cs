using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SupportCommunity.Messages;

/// <summary>
/// The flood limit's sliding window kept in Redis, so that every node counts the same sends: one sorted set per user
/// and room (per user for reaction toggles) holds the times of the sends still in the window, trimmed and counted by one script (atomic in Redis).
/// When Redis is disconnected, slow or failing, the in-memory limiter answers instead: a send is never blocked or
/// delayed on Redis, at the price of per-node counting while it is away.
/// </summary>
public sealed partial class RedisFloodLimiter(
    IConnectionMultiplexer redis,
    string keyPrefix,
    CommunityLimits limits,
    PartitionedRateLimiter<FloodKey> fallback,
    ILogger<RedisFloodLimiter> logger) : PartitionedRateLimiter<FloodKey>
{
    /// <summary>How long a send waits for Redis before the in-memory window decides.</summary>
    public static readonly TimeSpan RedisBudget = TimeSpan.FromMilliseconds(250);

    // KEYS[1]: the window; ARGV: window ms, limit, a unique member. Returns 0 when admitted, else ms until a slot frees.
    // Redis's own clock, so that nodes whose clocks differ still share one window.
    private static readonly LuaScript Script = LuaScript.Prepare("""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(@window)
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', now - window)
        if redis.call('ZCARD', @key) < tonumber(@limit) then
          redis.call('ZADD', @key, now, @member)
          redis.call('PEXPIRE', @key, window)
          return 0
        end
        local oldest = redis.call('ZRANGE', @key, 0, 0, 'WITHSCORES')
        return math.max(1, tonumber(oldest[2]) + window - now)
        """);

    private int _degraded;

    public override RateLimiterStatistics? GetStatistics(FloodKey resource) => fallback.GetStatistics(resource);

    /// <summary>The synchronous path cannot ask Redis without blocking: it counts in memory only.</summary>
    protected override RateLimitLease AttemptAcquireCore(FloodKey resource, int permitCount) =>
        fallback.AttemptAcquire(resource, permitCount);

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(FloodKey resource, int permitCount, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected)
        {
            return FallBack(resource, permitCount, reason: "disconnected");
        }

        try
        {
            var result = await redis.GetDatabase().ScriptEvaluateAsync(Script, new
            {
                key = (RedisKey)(resource.Kind == FloodKind.Reaction
                    ? $"{keyPrefix}:reactions:{resource.UserId}"
                    : $"{keyPrefix}:flood:{resource.UserId}:{resource.RoomId}"),
                window = (long)FloodGuard.Window(limits, resource).TotalMilliseconds,
                limit = FloodGuard.PermitLimit(limits, resource),
                member = Guid.NewGuid().ToString("N"),
            }).WaitAsync(RedisBudget, cancellationToken);

            if (Interlocked.Exchange(ref _degraded, 0) == 1)
            {
                SharedAgain();
            }

            var waitMs = (long)result;
            return waitMs == 0 ? Lease.Admitted : new Lease(TimeSpan.FromMilliseconds(waitMs));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return FallBack(resource, permitCount, ex.GetType().Name);
        }
    }

    private RateLimitLease FallBack(FloodKey resource, int permitCount, string reason)
    {
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            CountingLocally(reason);
        }

        return fallback.AttemptAcquire(resource, permitCount);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            fallback.Dispose();
        }

        base.Dispose(disposing);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis cannot count sends ({Reason}): the flood limit counts on this node only until it can")]
    private partial void CountingLocally(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis counts sends again: the flood limit is shared by every node")]
    private partial void SharedAgain();

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Admitted = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
