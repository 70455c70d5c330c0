using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Testing;

/// <summary>A request the receiver answered, with what it answered.</summary>
public sealed record ReceivedWebhook(string? DeliveryId, string? EventType, string? Timestamp, string? Signature, byte[] Body, int Status);

/// <summary>
/// A real HTTP receiver: Kestrel on a free loopback port. <see cref="Respond"/> decides each answer (given the
/// request and its index, from 0); every answered request is recorded, and tests await the ones they expect.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ReceivedWebhook> _received = [];
    private readonly List<(Func<IReadOnlyList<ReceivedWebhook>, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private int _count;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>How to answer request number n (0-based): a status code. Default 200.</summary>
    public Func<ReceivedWebhook, int, HttpContext, Task<int>> Respond { get; set; } = (_, _, _) => Task.FromResult(200);

    public string Url { get; private set; } = "";

    public IReadOnlyList<ReceivedWebhook> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks", receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Urls.Single() + "/hooks";
        return receiver;
    }

    /// <summary>Completes once the answered requests satisfy <paramref name="condition"/>; fails after <paramref name="timeout"/>.</summary>
    public Task WaitUntilAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_received)
        {
            if (condition(_received))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((condition, done));
        }

        return done.Task.WaitAsync(timeout);
    }

    public int AnsweredOk(string deliveryId) => Received.Count(r => r.DeliveryId == deliveryId && r.Status is >= 200 and < 300);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = context.Request.Headers;
        var request = new ReceivedWebhook(
            headers[WebhookSender.DeliveryHeader], headers[WebhookSender.EventHeader], headers[WebhookSender.TimestampHeader],
            headers[WebhookSender.SignatureHeader], body.ToArray(), 0);
        var status = await Respond(request, Interlocked.Increment(ref _count) - 1, context);
        request = request with { Status = status };
        lock (_received)
        {
            _received.Add(request);
            foreach (var waiter in _waiters.Where(w => w.Condition(_received)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }

        context.Response.StatusCode = status;
    }
}
