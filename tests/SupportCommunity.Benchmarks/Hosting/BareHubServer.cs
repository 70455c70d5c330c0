using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SupportCommunity.Benchmarks.Scenarios;
using SupportCommunity.Messages;

namespace SupportCommunity.Benchmarks.Hosting;

/// <summary>
/// The fan-out baseline: a minimal ASP.NET Core app on Kestrel with one plain hub and nothing else (no database, no
/// authentication, no Blazor), in the same process and on the same runtime as the app it is compared with.
/// </summary>
public sealed class BareHubServer : IAsyncDisposable
{
    public const string Path = "/hubs/bare";

    private readonly WebApplication _app;

    private BareHubServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        HubUrl = new Uri(baseAddress, Path.TrimStart('/'));
    }

    public Uri HubUrl { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="services">Services the hub's methods take (the durable ceiling's <see cref="RawGroupCommit"/>).</param>
    public static async Task<BareHubServer> StartAsync(Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSignalR();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapHub<BareHub>(Path);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.First()
            ?? throw new InvalidOperationException("Kestrel did not report its address.");
        return new BareHubServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// Join a group, and broadcast to it with <c>Clients.Group(g).SendAsync</c>. The message it sends has the app's
/// message shape and the same body, so both send the same number of bytes per delivery.
/// </summary>
public sealed class BareHub : Hub
{
    private static readonly string AuthorId = Guid.NewGuid().ToString();
    private static long _sequence;

    /// <summary>The group a room's members join on the bare hub.</summary>
    public static string Group(string roomSlug) => "room:" + roomSlug;

    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task Send(string group, Guid clientMessageId, string body) =>
        Clients.Group(group).SendAsync("MessageReceived", Message(group, clientMessageId, body));

    /// <summary>The ceiling of a send over a hub: the message comes straight back as the ack, nothing stored or sent on.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "SignalR calls hub methods on an instance.")]
    public MessageDto Echo(string group, Guid clientMessageId, string body) => Message(group, clientMessageId, body);

    /// <summary>
    /// The ceiling of a durable send over a hub: the message is stored by a bare group commit, and comes back as the
    /// ack once committed.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "SignalR calls hub methods on an instance.")]
    public async Task<MessageDto> Store(string group, Guid clientMessageId, string body, [FromServices] RawGroupCommit store) =>
        Message(group, clientMessageId, body, await store.StoreAsync(clientMessageId, body));

    private static MessageDto Message(string group, Guid clientMessageId, string body) =>
        Message(group, clientMessageId, body, Interlocked.Increment(ref _sequence));

    private static MessageDto Message(string group, Guid clientMessageId, string body, long sequence)
    {
        return new MessageDto(
            sequence, group, sequence, sequence, clientMessageId, AuthorId, "Maya Chen", "CommunityManager",
            body, ReplyToSequence: null, DateTimeOffset.UtcNow, EditedAt: null, Deleted: false);
    }
}
