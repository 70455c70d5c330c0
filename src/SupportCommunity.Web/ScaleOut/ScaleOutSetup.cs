using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using SupportCommunity.Data;
using Microsoft.Extensions.Options;
using SupportCommunity.Events;
using SupportCommunity.Messages;
using SupportCommunity.Presence;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.ScaleOut;

/// <summary>The <c>Redis</c> configuration section (the connection string is <c>ConnectionStrings:Redis</c>).</summary>
public sealed class RedisSettings
{
    public const string Section = "Redis";

    /// <summary>Prefixes every channel and key, so environments can share one Redis. Default: supportcommunity:{environment}.</summary>
    public string? ChannelPrefix { get; set; }

    public TimeSpan PresenceHeartbeat { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A node that stops renewing its presence for this long is taken as gone, and its users go offline.</summary>
    public TimeSpan PresenceExpiry { get; set; } = TimeSpan.FromSeconds(20);
}

public static class ScaleOutSetup
{
    /// <summary>
    /// What several nodes share: the data-protection key ring (always, in the database), and, when
    /// <c>ConnectionStrings:Redis</c> is set, the community hub's backplane, the room event bus and presence.
    /// </summary>
    public static WebApplicationBuilder AddCommunityScaleOut(this WebApplicationBuilder builder)
    {
        // Cookies, antiforgery tokens, Blazor circuits and ProtectedLocalStorage must read on every node.
        builder.Services.AddDataProtection()
            .SetApplicationName("SupportCommunity")
            .PersistKeysToDbContext<CommunityDbContext>();

        var health = builder.Services.AddHealthChecks().AddDbContextCheck<CommunityDbContext>("database");

        var connectionString = builder.Configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return builder;
        }

        var settings = builder.Configuration.GetSection(RedisSettings.Section).Get<RedisSettings>() ?? new RedisSettings();
        var prefix = settings.ChannelPrefix ?? $"supportcommunity:{builder.Environment.EnvironmentName.ToLowerInvariant()}";

        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false; // start, and keep serving, while Redis is down
        options.ClientName ??= "supportcommunity";
        var redis = ConnectionMultiplexer.Connect(options);
        builder.Services.AddSingleton<IConnectionMultiplexer>(redis);

        // The backplane for the community hub only: Blazor's own circuit hub stays local, so pages keep working
        // through a Redis outage (see toolchain notes and ADR-0005).
        // The backplane opens and disposes its own connection; sharing ours would close it under the event bus.
        builder.Services.AddOptions<RedisOptions>().Configure<InProcessRoomEventBus>((o, local) =>
        {
            o.Configuration = options.Clone();
            o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix);
            o.ConnectionFactory = async log =>
            {
                var backplane = await ConnectionMultiplexer.ConnectAsync(o.Configuration, log);
                // Hub events ride this connection, which comes back on its own schedule: once it does, ask this
                // node's listeners to catch up (the notifier sends Resync), or clients may keep missing events.
                backplane.ConnectionRestored += (_, e) =>
                {
                    if (e.ConnectionType == ConnectionType.Subscription)
                    {
                        _ = local.PublishAsync(new CatchUpRequested()).AsTask();
                    }
                };
                return backplane;
            };
        });
        // Wrapped by RoomFanOut (RealtimeSetup), which keeps the rooms on each node and uses this for everything else.
        builder.Services.AddSingleton<RedisHubLifetimeManager<CommunityHub>>();

        builder.Services.Replace(ServiceDescriptor.Singleton<IRoomEventBus>(sp => new RedisRoomEventBus(
            redis, prefix, sp.GetRequiredService<InProcessRoomEventBus>(), sp.GetRequiredService<ILogger<RedisRoomEventBus>>())));
        builder.Services.Replace(ServiceDescriptor.Singleton<IPresenceStore>(sp => new RedisPresenceStore(
            redis, prefix, settings.PresenceExpiry, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedisPresenceStore>>())));
        // The flood limit's window is shared by every node too (falling back to this node's while Redis is away).
        builder.Services.Replace(ServiceDescriptor.Singleton(sp => new FloodGuard(
            sp.GetRequiredService<IOptions<CommunityLimits>>(),
            sp.GetRequiredService<TimeProvider>(),
            local => new RedisFloodLimiter(
                redis, prefix, sp.GetRequiredService<IOptions<CommunityLimits>>().Value, local, sp.GetRequiredService<ILogger<RedisFloodLimiter>>()))));
        builder.Services.AddHostedService(sp => new PresenceHeartbeat(
            sp.GetRequiredService<PresenceTracker>(), settings.PresenceHeartbeat, sp.GetRequiredService<ILogger<PresenceHeartbeat>>()));

        health.AddCheck("redis", () => redis.IsConnected
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded("Redis is unreachable: messages are stored, live fan-out across nodes waits for it."));
        return builder;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        return app;
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}
