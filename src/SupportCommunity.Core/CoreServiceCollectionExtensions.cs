using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.CannedResponses;
using SupportCommunity.Conversations;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Notifications;
using SupportCommunity.Presence;
using SupportCommunity.Rooms;
using SupportCommunity.Tickets;
using SupportCommunity.Webhooks;

namespace SupportCommunity;

public static class CoreServiceCollectionExtensions
{
    /// <summary>The feature services. The database and the event bus transport are chosen by the host.</summary>
    public static IServiceCollection AddCommunityCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CommunityLimits>()
            .Bind(configuration.GetSection(CommunityLimits.Section))
            .Validate(l => l.MaxBodyLength is > 0 and <= MessageLimitsDefaults.MaxBodyLength,
                $"Limits:MaxBodyLength must be between 1 and {MessageLimitsDefaults.MaxBodyLength}.")
            .Validate(l => l.MaxPageSize > 0 && l.DefaultPageSize > 0 && l.DefaultPageSize <= l.MaxPageSize,
                "Limits:DefaultPageSize must be between 1 and Limits:MaxPageSize.")
            .Validate(l => l.NewMemberLinkMinutes >= 0 && l.DuplicateWindow >= TimeSpan.Zero
                    && l.AutomodRegexTimeout > TimeSpan.Zero && l.CoolDownSlowModeSeconds is >= RoomControlService.MinSlowModeSeconds and <= RoomControlService.MaxSlowModeSeconds,
                "Limits:NewMemberLinkMinutes, DuplicateWindow, AutomodRegexTimeout and CoolDownSlowModeSeconds must be in range.")
            .Validate(l => l.FloodMessages > 0 && l.TrustedFloodMessages > 0 && l.FloodWindow > TimeSpan.Zero,
                "Limits:Flood* must be positive.")
            .Validate(l => l.FloodSpacing >= TimeSpan.Zero && l.FloodSpacing <= TimeSpan.FromSeconds(10),
                "Limits:FloodSpacing must be between 00:00:00 and 00:00:10.")
            .ValidateOnStart();

        services.AddOptions<ReportOptions>()
            .Bind(configuration.GetSection(ReportOptions.Section))
            .Validate(o => o.AutoHideReports > 0 && o.ReportsPerWindow > 0 && o.ReportWindow > TimeSpan.Zero,
                "Moderation:AutoHideReports, Moderation:ReportsPerWindow and Moderation:ReportWindow must be positive.")
            .ValidateOnStart();
        services.AddSingleton<ReportGuard>();
        services.AddSingleton<ModerationQueueService>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<InProcessRoomEventBus>();
        services.AddSingleton<IRoomEventBus>(sp => sp.GetRequiredService<InProcessRoomEventBus>());
        services.AddSingleton<IPresenceStore, InMemoryPresenceStore>();
        services.AddSingleton<FloodGuard>();
        services.AddSingleton<MessageFormatter>();
        services.AddSingleton<MessageWriter>();
        services.AddSingleton(sp => new OpenContexts(
            sp.GetRequiredService<IDbContextFactory<CommunityDbContext>>(), keep: 2 * Environment.ProcessorCount));
        services.AddSingleton<MessageService>();
        services.AddSingleton<AutomodEngine>();
        services.AddSingleton<SendAdmission>();
        services.AddSingleton<RoomControlService>();
        services.AddSingleton<AutomodService>();
        services.AddSingleton<RoomService>();
        services.AddSingleton<RoomDirectory>();
        services.AddSingleton<ActorDirectory>();
        services.AddSingleton<ModerationScope>();
        services.AddSingleton<RefusalAudit>();
        services.AddSingleton<SanctionService>();
        services.AddSingleton<GrantService>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<ConversationService>();
        services.AddSingleton<CannedResponseService>();
        services.AddSingleton<NotificationService>();
        services.AddHostedService<NotificationDispatcher>();
        services.AddMemoryCache();
        services.AddSingleton<PresenceTracker>();
        services.AddSingleton<TypingSignal>();
        services.AddTickets(configuration);
        services.AddCommunityWebhooks(configuration);
        return services;
    }
}
