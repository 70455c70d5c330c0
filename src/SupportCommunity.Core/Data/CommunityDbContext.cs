using SupportCommunity.CannedResponses;
using SupportCommunity.Moderation;
using SupportCommunity.Notifications;
using SupportCommunity.Reactions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;
using SupportCommunity.Tickets;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Data;

/// <summary>
/// The community's database: Identity, rooms and messages, and the data-protection key ring that every node shares.
/// Used directly, one context per operation.
/// </summary>
public sealed class CommunityDbContext(DbContextOptions<CommunityDbContext> options)
    : IdentityDbContext<CommunityUser>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Room> Rooms => Set<Room>();

    public DbSet<RoomModerator> RoomModerators => Set<RoomModerator>();

    public DbSet<RoomReadState> RoomReadStates => Set<RoomReadState>();

    public DbSet<Message> Messages => Set<Message>();

    public DbSet<Notification> Notifications => Set<Notification>();

    public DbSet<Sanction> Sanctions => Set<Sanction>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<MessageEdit> MessageEdits => Set<MessageEdit>();

    public DbSet<MessageReaction> MessageReactions => Set<MessageReaction>();

    public DbSet<Report> Reports => Set<Report>();

    public DbSet<HeldMessage> HeldMessages => Set<HeldMessage>();

    public DbSet<AutomodRule> AutomodRules => Set<AutomodRule>();

    public DbSet<RuleAcceptance> RuleAcceptances => Set<RuleAcceptance>();

    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();

    public DbSet<CannedResponse> CannedResponses => Set<CannedResponse>();

    public DbSet<Ticket> Tickets => Set<Ticket>();

    public DbSet<TicketTranscriptLine> TicketTranscriptLines => Set<TicketTranscriptLine>();

    public DbSet<TicketEntry> TicketEntries => Set<TicketEntry>();

    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(CommunityDbContext).Assembly);
    }
}
