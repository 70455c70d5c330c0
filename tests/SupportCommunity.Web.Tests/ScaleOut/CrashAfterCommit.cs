using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Events;
using SupportCommunity.Messages;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// A node that dies between the commit of a message and its fan-out. Installed on one node, it wraps the node's real
/// room event bus; when a new message whose body carries <see cref="Marker"/> is about to be published (the commit is
/// done, the sender not yet acknowledged), the node dies there: it is taken out of the load balancer, the sender's
/// connections to it are cut (so the acknowledgement never leaves), its real host is stopped, and neither this event
/// nor any later one leaves the node. Nothing in the app is replaced: the commit, the writer and the host are real.
/// </summary>
public sealed class CrashAfterCommit
{
    public const string Marker = "[dies-after-commit]";

    private readonly TaskCompletionSource<MessageDto> _crashed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The cluster the node belongs to (set once it started: the seam is installed while it starts).</summary>
    public Cluster? Cluster { get; set; }

    /// <summary>Completes with the committed message when the node died after storing it.</summary>
    public Task<MessageDto> Crashed => _crashed.Task;

    /// <summary>The node stopping after the crash (its host's shutdown), once it began.</summary>
    public Task Stopped { get; private set; } = Task.CompletedTask;

    /// <summary>Events the dead node never published: the marked message and whatever came after it.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    private int _dropped;
    private volatile bool _dead;

    /// <summary>Wraps <paramref name="node"/>'s room event bus (for <see cref="Cluster.StartAsync"/>'s services hook).</summary>
    public void Install(ScaleOutNode node, IServiceCollection services)
    {
        var real = services.Last(d => d.ServiceType == typeof(IRoomEventBus));
        services.Remove(real);
        services.AddSingleton<IRoomEventBus>(sp => new Bus(this, node, sp, Create(real, sp)));
    }

    private static IRoomEventBus Create(ServiceDescriptor descriptor, IServiceProvider sp) =>
        (IRoomEventBus)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));

    private async Task<bool> DieIfMarkedAsync(ScaleOutNode node, IServiceProvider services, RoomEvent roomEvent)
    {
        if (_dead)
        {
            return true;
        }

        if (roomEvent is not MessagePosted { Message: { Body: { } body } message } || !body.Contains(Marker, StringComparison.Ordinal))
        {
            return false;
        }

        _dead = true;
        var cluster = Cluster ?? throw new InvalidOperationException("Set the seam's cluster before sending the marked message.");
        cluster.TakeOutOfRotation(node);
        // A dead process's sockets close: the sender's call never gets its acknowledgement.
        var senderConnections = services.GetRequiredService<HubConnections>().Of(message.AuthorId);
        foreach (var connection in senderConnections)
        {
            connection.Abort();
        }

        await Task.WhenAll(senderConnections.Select(c => WhenCancelled(c.ConnectionAborted)))
            .WaitAsync(TimeSpan.FromSeconds(10));
        Stopped = Task.Run(() => cluster.StopNodeAsync(node));
        _crashed.TrySetResult(message);
        return true;
    }

    private static Task WhenCancelled(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => cancelled.TrySetResult());
        return cancelled.Task;
    }

    private sealed class Bus(CrashAfterCommit seam, ScaleOutNode node, IServiceProvider services, IRoomEventBus inner)
        : IRoomEventBus, IDisposable
    {
        public async ValueTask PublishAsync(RoomEvent roomEvent, CancellationToken cancellationToken = default)
        {
            if (await seam.DieIfMarkedAsync(node, services, roomEvent))
            {
                Interlocked.Increment(ref seam._dropped);
                return;
            }

            await inner.PublishAsync(roomEvent, cancellationToken);
        }

        public IDisposable Subscribe(string? roomSlug, Func<RoomEvent, Task> handler, EventScope scope = EventScope.AllNodes) =>
            inner.Subscribe(roomSlug, handler, scope);

        public void Dispose() => (inner as IDisposable)?.Dispose();
    }
}
