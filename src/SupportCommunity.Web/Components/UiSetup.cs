using Microsoft.AspNetCore.Components.Server.Circuits;
using MudBlazor.Services;
using SupportCommunity.Web.Notifications;
using SupportCommunity.Web.Presence;

namespace SupportCommunity.Web.Components;

public static class UiSetup
{
    public static WebApplicationBuilder AddCommunityUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
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
