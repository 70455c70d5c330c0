using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SupportCommunity.Presence;

/// <summary>Renews this node's presence on a timer, prunes dead nodes' entries, and leaves cleanly on shutdown.</summary>
public sealed partial class PresenceHeartbeat(PresenceTracker tracker, TimeSpan interval, ILogger<PresenceHeartbeat> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await tracker.HeartbeatAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                HeartbeatFailed(ex);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await tracker.LeaveEverywhereAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence heartbeat failed; retrying on the next tick")]
    private partial void HeartbeatFailed(Exception exception);
}
