using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Presence;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Realtime;
using SupportCommunity.Web.Tests.Integration.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Tickets;

/// <summary>
/// The app for ticket tests: one API client and one hub connection per demo account (reused), its ticket events
/// recorded, and helpers that open tickets through the Core services (setup, not the code under test).
/// </summary>
public sealed class TicketsApp : CommunityAppFactory, IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Task<HttpClient>> _clients = new();
    private readonly ConcurrentDictionary<string, Task<TicketHub>> _hubs = new();

    public Task<HttpClient> ApiAsync(string email) => _clients.GetOrAdd(email, CreateApiClientAsync);

    public Task<TicketHub> HubAsync(string email) => _hubs.GetOrAdd(email, ConnectTicketHubAsync);

    /// <summary>A new hub connection with ticket events recorded (dispose it).</summary>
    public async Task<TicketHub> ConnectTicketHubAsync(string email)
    {
        var connection = BuildHubConnection(await LoginAsync(email), Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets);
        var hub = new TicketHub(connection);
        await connection.StartAsync().WaitAsync(Timeout);
        // The server joins the connection's groups (the desk, the user's own) in OnConnectedAsync, which may still run
        // after StartAsync returns; a method call is answered only after it, so it is the barrier.
        await hub.InvokeAsync<TicketPage>("ListMyTickets", (string?)null);
        return hub;
    }

    public async Task<Actor> ActorAsync(string email)
    {
        var id = await Members.IdOfAsync(this, email);
        await using var db = await Members.DbAsync(this);
        var name = await db.Users.Where(u => u.Id == id).Select(u => u.DisplayName).SingleAsync();
        return await Services.GetRequiredService<ActorDirectory>().GetAsync(id, name);
    }

    /// <summary>A new message by <paramref name="author"/> in #general.</summary>
    public async Task<MessageDto> SayAsync(string author, string text, string room = General) =>
        await Services.GetRequiredService<MessageService>().SendAsync(await ActorAsync(author), room, Guid.NewGuid(), text);

    /// <summary>A new ticket for <paramref name="requester"/>, escalated by the manager from a new message of theirs.</summary>
    public async Task<TicketDto> OpenTicketAsync(string requester = Customer, string subject = "Charged twice", TicketStatus? status = null)
    {
        var question = await SayAsync(requester, $"Question {Guid.NewGuid():N}");
        var ticket = (await Services.GetRequiredService<EscalationService>()
            .EscalateAsync(await ActorAsync(Manager), new EscalateRequest(General, question.Sequence, subject))).Ticket;
        if (status is { } wanted)
        {
            ticket = await Services.GetRequiredService<TicketService>().ChangeStatusAsync(await ActorAsync(Agent), ticket.Number, wanted, ticket.Version);
        }

        return ticket;
    }

    /// <summary>Everything a refused action must leave as it was.</summary>
    public async Task<TicketState> StateAsync(int number)
    {
        await using var db = await Members.DbAsync(this);
        var ticket = await db.Tickets.AsNoTracking().SingleAsync(t => t.Number == number);
        return new TicketState(
            await db.Tickets.CountAsync(),
            ticket.Version,
            ticket.Status,
            ticket.Priority,
            ticket.AssigneeId,
            ticket.Rating,
            await db.TicketEntries.CountAsync(e => e.TicketId == ticket.Id),
            await db.AuditEntries.CountAsync(),
            await db.WebhookEvents.CountAsync());
    }

    public static string Path(int number, string? rest = null) =>
        string.Create(CultureInfo.InvariantCulture, $"/api/tickets/{number}{rest}");

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<T>() ?? throw new InvalidOperationException("The body was empty.");

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var hub in _hubs.Values)
        {
            await (await hub).DisposeAsync();
        }

        foreach (var client in _clients.Values)
        {
            (await client).Dispose();
        }
    }
}

public sealed record TicketState(
    int Tickets, int Version, TicketStatus Status, TicketPriority Priority, string? AssigneeId, int? Rating, int Entries, int AuditEntries, int WebhookEvents);

/// <summary>A hub connection with the ticket methods as typed calls and the ticket events recorded.</summary>
public sealed class TicketHub : IAsyncDisposable
{
    public TicketHub(HubConnection connection)
    {
        Connection = connection;
        connection.On<TicketSummaryDto>(nameof(ICommunityClient.TicketChanged), TicketChanged.Add);
        connection.On<int, TicketEntryDto>(nameof(ICommunityClient.TicketEntryAdded), (number, entry) => TicketEntryAdded.Add(new TicketEntryEvent(number, entry)));
        connection.On<string, RoomPresence>(nameof(ICommunityClient.PresenceChanged), (room, online) => PresenceChanged.Add(new PresenceEvent(room, online)));
        connection.On<string, PresenceUser>(nameof(ICommunityClient.UserTyping), (room, user) => UserTyping.Add(new TypingEvent(room, user)));
    }

    public HubConnection Connection { get; }

    public EventChannel<TicketSummaryDto> TicketChanged { get; } = new(nameof(ICommunityClient.TicketChanged));

    public EventChannel<TicketEntryEvent> TicketEntryAdded { get; } = new(nameof(ICommunityClient.TicketEntryAdded));

    public EventChannel<PresenceEvent> PresenceChanged { get; } = new(nameof(ICommunityClient.PresenceChanged));

    public EventChannel<TypingEvent> UserTyping { get; } = new(nameof(ICommunityClient.UserTyping));

    public Task<T> InvokeAsync<T>(string method, params object?[] args) =>
        Connection.InvokeCoreAsync<T>(method, args).WaitAsync(CommunityAppFactory.Timeout);

    public Task InvokeAsync(string method, params object?[] args) =>
        Connection.InvokeCoreAsync(method, args).WaitAsync(CommunityAppFactory.Timeout);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

public sealed record TicketEntryEvent(int Number, TicketEntryDto Entry);
