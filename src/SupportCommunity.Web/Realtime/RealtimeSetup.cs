using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SupportCommunity.Web.Security;

namespace SupportCommunity.Web.Realtime;

public static class RealtimeSetup
{
    public static WebApplicationBuilder AddCommunityRealtime(this WebApplicationBuilder builder)
    {
        builder.Services
            .AddSignalR()
            .AddHubOptions<CommunityHub>(options =>
            {
                options.AddFilter<HubErrorFilter>();
                // 32 KB frames (the SignalR default), stated here because design.md §5 relies on it.
                options.MaximumReceiveMessageSize = 32 * 1024;
            });
        // The JSON protocol with unknown message types read as pings (ForwardCompatibleJsonProtocol says why).
        builder.Services.Replace(ServiceDescriptor.Singleton<IHubProtocolResolver, ForwardCompatibleProtocolResolver>());
        builder.Services.AddSingleton<HubConnections>();
        // Rooms are fanned out by RoomFanOut, which wraps SignalR's manager for this hub: the backplane's when scale-out
        // registered one (ScaleOutSetup), the in-memory one otherwise.
        builder.Services.AddSingleton<DefaultHubLifetimeManager<CommunityHub>>();
        builder.Services.AddSingleton(sp => new RoomFanOut(
            sp.GetService<RedisHubLifetimeManager<CommunityHub>>() ?? (HubLifetimeManager<CommunityHub>)sp.GetRequiredService<DefaultHubLifetimeManager<CommunityHub>>(),
            sp.GetRequiredService<ILogger<RoomFanOut>>()));
        builder.Services.AddSingleton<HubLifetimeManager<CommunityHub>>(sp => sp.GetRequiredService<RoomFanOut>());
        builder.Services.AddHostedService<CommunityNotifier>();

        // Refusals reach the caller as HubExceptions, which SignalR's dispatcher would log as errors with a stack
        // trace. Real failures are logged once, by HubErrorFilter.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Critical);
        return builder;
    }

    public static WebApplication MapCommunityHub(this WebApplication app)
    {
        app.MapHub<CommunityHub>(CommunityHub.Path, SlowClientLimits.Apply);
        return app;
    }
}
