using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;
using SupportCommunity.Tickets;

namespace SupportCommunity.Core.Tests.Tickets;

/// <summary>
/// A database with #general and #billing, a manager, an agent, two customers and a fake clock (starting on a Tuesday
/// at 10:00 UTC, in business hours). One per test: tickets change state.
/// </summary>
public sealed class TicketDatabase : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    public TicketDatabase()
    {
        Database = new CommunityDatabase(new() { ["Limits:FloodMessages"] = "1000", ["Limits:TrustedFloodMessages"] = "1000", ["Limits:FloodSpacing"] = "00:00:00", ["Limits:DuplicateWindow"] = "00:00:00" })
        {
            ConfigureServices = services => services.AddSingleton<TimeProvider>(Clock),
        };
    }

    public FakeTimeProvider Clock { get; } = new(Start);

    public CommunityDatabase Database { get; }

    public Actor Manager { get; private set; } = default!;

    public Actor Agent { get; private set; } = default!;

    public Actor Customer { get; private set; } = default!;

    public Actor OtherCustomer { get; private set; } = default!;

    public Room General { get; private set; } = default!;

    public EscalationService Escalation => Database.Get<EscalationService>();

    public TicketService Tickets => Database.Get<TicketService>();

    public MessageService Messages => Database.Get<MessageService>();

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        General = await Database.AddRoomAsync("general");
        await Database.AddRoomAsync("billing");
        Manager = await Database.AddUserAsync("Maya Chen", CommunityRoles.CommunityManager);
        Agent = await Database.AddUserAsync("Sam Patel", CommunityRoles.SupportAgent);
        Customer = await Database.AddUserAsync("Jordan Lee", CommunityRoles.Customer);
        OtherCustomer = await Database.AddUserAsync("Casey Brooks", CommunityRoles.Customer);
    }

    public Task DisposeAsync() => Database.DisposeAsync();

    public Task<MessageDto> SayAsync(Actor author, string body, long? replyTo = null, string room = "general") =>
        Messages.SendAsync(author, room, Guid.NewGuid(), body, replyTo);

    public Task<EscalationResult> EscalateAsync(long sequence, string subject = "Sync stuck", bool force = false, IReadOnlyList<long>? include = null, string room = "general") =>
        Escalation.EscalateAsync(Manager, new EscalateRequest(room, sequence, subject, TicketPriority.Normal, "bug", null, include, force));
}
