using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Threading.Channels;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Web.Tests.Integration.Webhooks;

/// <summary>
/// The app with webhooks allowed to loopback receivers and short retry pauses. Its dispatcher polls only once a
/// minute, so anything delivered sooner was woken by a commit or an admin action.
/// </summary>
public sealed class WebhookAppFactory : CommunityAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        settings["Webhooks:AllowPrivateAddresses"] = "true";
        settings["Webhooks:RetryDelay"] = "00:00:00.050";
        settings["Webhooks:AttemptTimeout"] = "00:00:02";
        settings["Webhooks:TotalTimeout"] = "00:00:05";
        settings["Webhooks:PollInterval"] = "00:01:00";
    }
}

/// <summary>A webhook request as a receiver saw it.</summary>
public sealed record ReceivedRequest(string? DeliveryId, string? EventType, string? Signature, byte[] Body);

/// <summary>A real HTTP receiver on a free loopback port that answers 200 and hands each request to the test.</summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackReceiver(WebApplication app, string url) => (_app, Url) = (app, url);

    public Channel<ReceivedRequest> Requests { get; } = Channel.CreateUnbounded<ReceivedRequest>();

    public string Url { get; }

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        Channel<ReceivedRequest>? requests = null;
        app.MapPost("/hooks", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var headers = context.Request.Headers;
            requests!.Writer.TryWrite(new ReceivedRequest(headers[WebhookSender.DeliveryHeader], headers[WebhookSender.EventHeader],
                headers[WebhookSender.SignatureHeader], body.ToArray()));
            return Results.Ok();
        });
        await app.StartAsync();
        var receiver = new LoopbackReceiver(app, app.Urls.Single() + "/hooks");
        requests = receiver.Requests;
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
