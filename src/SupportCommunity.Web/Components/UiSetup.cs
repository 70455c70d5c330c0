using Microsoft.AspNetCore.Components.Server.Circuits;
using MudBlazor.Services;
using SupportCommunity.Web.Notifications;
using SupportCommunity.Web.Presence;

namespace SupportCommunity.Web.Components;

public static class UiSetup
{
    public static WebApplicationBuilder AddCommunityUi(this WebApplicationBuilder builder)
    {
        // A chat shows who is here: a browser whose link died is offline for the others within 15 s, not SignalR's 30 s
        // (the browser pings every 5 s and notices a dead server as fast, see app.js).
        builder.Services.AddRazorComponents().AddInteractiveServerComponents().AddHubOptions(options =>
        {
            options.KeepAliveInterval = TimeSpan.FromSeconds(5);
            options.ClientTimeoutInterval = TimeSpan.FromSeconds(15);
        });
        builder.Services.AddMudServices();
        builder.Services.AddSingleton<MentionDirectory>();
        builder.Services.AddScoped<CircuitPresence>();
        builder.Services.AddScoped<SupportCommunity.Web.Moderation.LiveActor>();
        builder.Services.AddScoped<SupportCommunity.Web.CannedResponses.CannedSuggestions>();
        builder.Services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<CircuitPresence>());
        return builder;
    }

    public static WebApplication MapCommunityUi(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
