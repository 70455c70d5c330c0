using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Conversations;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Tests.Integration.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>Who calls: an unsanctioned customer (the control), three sanctioned customers, and nobody signed in.</summary>
public enum Caller { Customer, TimedOut, RoomBanned, CommunityBanned, Anonymous }

/// <summary>One signed-in customer of the access matrix, what they own, and their reused clients.</summary>
public sealed class CallerAccount
{
    public required string UserId { get; init; }

    public required string Email { get; init; }

    public required Actor Actor { get; init; }

    /// <summary>Their own messages in #general, sent before any sanction: one per case that edits or deletes one.</summary>
    public required ConcurrentQueue<MessageDto> OwnMessages { get; init; }

    /// <summary>Their private conversation (opened by the manager from a question of theirs in #general).</summary>
    public required ConversationDto Conversation { get; init; }

    /// <summary>The sanction in force (0 for the control).</summary>
    public long SanctionId { get; set; }

    public required HttpClient Api { get; init; }

    /// <summary>
    /// Opened before the sanction, whose notice never reached it (as on another node with the bus down): every call
    /// must still meet the services' refusal. A new connection of a community-banned member is refused outright.
    /// </summary>
    public required HubConnection Hub { get; init; }
}

/// <summary>
/// The app for <see cref="AccessMatrixTests"/>: four registered customers, three of them sanctioned (timed out, banned
/// from #general, banned from the community) after their own messages, private conversation and tickets existed; one
/// API client and one hub connection per account, reused by every case (as <see cref="MatrixApp"/> does).
/// </summary>
public sealed class AccessApp : CommunityAppFactory, IAsyncLifetime
{
    private const int OwnMessagesEach = 40;

    private readonly Dictionary<Caller, CallerAccount> _accounts = [];

    protected override void ConfigureSettings(IDictionary<string, string?> settings) =>
        settings["Moderation:ReportsPerWindow"] = "1000";

    public CallerAccount Account(Caller caller) => _accounts[caller];

    public HttpClient Anonymous { get; private set; } = null!;

    public Actor ManagerActor { get; private set; } = null!;

    public Actor AgentActor { get; private set; } = null!;

    public Actor Other { get; private set; } = null!;

    /// <summary>Another customer's private conversation, with a staff message in it.</summary>
    public ConversationDto OtherConversation { get; private set; } = null!;

    public MessageDto OtherPrivateMessage { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Anonymous = CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        ManagerActor = await ActorAsync(await Members.IdOfAsync(this, Manager));
        AgentActor = await ActorAsync(await Members.IdOfAsync(this, Agent));
        Other = await ActorAsync(await Members.IdOfAsync(this, Customer2));
        var messages = Services.GetRequiredService<MessageService>();
        var conversations = Services.GetRequiredService<ConversationService>();

        var question = await messages.SendAsync(Other, General, Guid.NewGuid(), "Casey's private matter (matrix)");
        OtherConversation = await conversations.OpenAsync(ManagerActor, General, question.Sequence);
        OtherPrivateMessage = await messages.SendAsync(ManagerActor, OtherConversation.Slug, Guid.NewGuid(), "Casey, your card ending 4242 (matrix)");

        foreach (var caller in new[] { Caller.Customer, Caller.TimedOut, Caller.RoomBanned, Caller.CommunityBanned })
        {
            var (id, email) = await Members.RegisterAsync(this, "Matrix " + caller);
            var actor = await ActorAsync(id);
            var own = new ConcurrentQueue<MessageDto>();
            for (var i = 0; i < OwnMessagesEach; i++)
            {
                own.Enqueue(await messages.SendAsync(actor, General, Guid.NewGuid(), $"{caller} asks question {i} (matrix)"));
            }

            var asked = await messages.SendAsync(actor, General, Guid.NewGuid(), $"{caller} needs private help (matrix)");
            var conversation = await conversations.OpenAsync(ManagerActor, General, asked.Sequence);
            await messages.SendAsync(ManagerActor, conversation.Slug, Guid.NewGuid(), $"Hello {caller}, let's look at it here.");
            var api = CreateClient();
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await LoginAsync(email));
            _accounts[caller] = new CallerAccount
            {
                UserId = id, Email = email, Actor = actor, OwnMessages = own, Conversation = conversation, Api = api,
                Hub = (await ConnectAsync(email)).Connection,
            };
        }

        // The sanctions come last, written as setup (no bus notice): the connections opened before stay open, as a
        // timed-out or room-banned member's would.
        _accounts[Caller.TimedOut].SanctionId = await SanctionAsync(_accounts[Caller.TimedOut].UserId, SanctionKind.Timeout, null);
        _accounts[Caller.RoomBanned].SanctionId = await SanctionAsync(_accounts[Caller.RoomBanned].UserId, SanctionKind.RoomBan, General);
        _accounts[Caller.CommunityBanned].SanctionId = await SanctionAsync(_accounts[Caller.CommunityBanned].UserId, SanctionKind.CommunityBan, null);
    }

    /// <summary>A sanction row in force for a day, as a manager's would be, and the cached rights dropped.</summary>
    public async Task<long> SanctionAsync(string userId, SanctionKind kind, string? roomSlug)
    {
        await using var db = await Members.DbAsync(this);
        var sanction = new Sanction
        {
            UserId = userId,
            Kind = kind,
            RoomId = roomSlug is null ? null : await db.Rooms.Where(r => r.Slug == roomSlug).Select(r => r.Id).SingleAsync(),
            Reason = "Matrix sanction",
            CreatedById = ManagerActor.UserId,
            CreatedAt = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
        };
        db.Sanctions.Add(sanction);
        await db.SaveChangesAsync();
        Services.GetRequiredService<ActorDirectory>().Forget(userId);
        return sanction.Id;
    }

    /// <summary>A new ticket of <paramref name="requester"/>, escalated by the manager from one of their messages.</summary>
    public async Task<TicketDto> OpenTicketAsync(Actor requester, MessageDto question, bool solved)
    {
        var ticket = (await Services.GetRequiredService<EscalationService>()
            .EscalateAsync(ManagerActor, new EscalateRequest(General, question.Sequence, "Matrix ticket"))).Ticket;
        return solved
            ? await Services.GetRequiredService<TicketService>().ChangeStatusAsync(AgentActor, ticket.Number, TicketStatus.Solved, ticket.Version)
            : ticket;
    }

    /// <summary>A new message by the other customer in #general (a report or thread target of its own).</summary>
    public Task<MessageDto> OtherSaysAsync(string text) =>
        Services.GetRequiredService<MessageService>().SendAsync(Other, General, Guid.NewGuid(), text);

    public async Task<Actor> ActorAsync(string userId)
    {
        await using var db = await Members.DbAsync(this);
        var name = await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).SingleAsync();
        return await Services.GetRequiredService<ActorDirectory>().GetAsync(userId, name);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        Anonymous?.Dispose();
        foreach (var account in _accounts.Values)
        {
            account.Api.Dispose();
            await account.Hub.DisposeAsync();
        }
    }
}
