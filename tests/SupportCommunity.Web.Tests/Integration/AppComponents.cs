using AngleSharp.Dom;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Presence;
using SupportCommunity.Web.Moderation;
using SupportCommunity.Web.Presence;
using SupportCommunity.Web.Tests.Components;

namespace SupportCommunity.Web.Tests.Integration;

/// <summary>
/// The app's Blazor components rendered by bUnit against a running app's own services (its database, bus and
/// directories), as one circuit of one signed-in member: the third entry point beside the hub and REST. Components'
/// event handlers are called as a browser would call them, and the app's services decide.
/// </summary>
public sealed class AppComponents : BunitContext
{
    private readonly BunitAuthorizationContext _auth;
    private readonly AsyncServiceScope _appScope;

    public AppComponents(CommunityAppFactory app)
    {
        var services = app.Services;
        // What bUnit does not provide comes from the app, through a scope of its own (the app registers some
        // framework services per circuit).
        _appScope = services.CreateAsyncScope();
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<IDataProtectionProvider, EphemeralDataProtectionProvider>();
        Services.AddScoped<ProtectedLocalStorage>();
        // Per circuit, as the app registers them; their dependencies are the app's singletons.
        Services.AddScoped(sp => new LiveActor(
            sp.GetRequiredService<AuthenticationStateProvider>(), services.GetRequiredService<ActorDirectory>(), services.GetRequiredService<IRoomEventBus>()));
        Services.AddScoped(_ => new CircuitPresence(services.GetRequiredService<PresenceTracker>()));
        _auth = AddAuthorization();
        Services.AddFallbackServiceProvider(_appScope.ServiceProvider);
        Popovers = Render<MudPopoverProvider>();
        Dialogs = Render<MudDialogProvider>();
        Snackbars = Render<MudSnackbarProvider>();
    }

    public IRenderedComponent<MudPopoverProvider> Popovers { get; }

    public IRenderedComponent<MudDialogProvider> Dialogs { get; }

    public IRenderedComponent<MudSnackbarProvider> Snackbars { get; }

    /// <summary>The circuit's user: their id and name in the claims; their roles are what the database says now.</summary>
    public void SignIn(Actor actor) => _auth.SignIn(actor);

    /// <summary>Answers the open reason dialog (ReasonDialog) and confirms it.</summary>
    public Task ConfirmReasonAsync(string reason) => Dialogs.ConfirmReasonAsync(reason);

    /// <summary>Clicks the item of an open MudMenu (its popover lives in the provider).</summary>
    public async Task ClickMenuItemAsync(string selector)
    {
        var item = await Popovers.WaitForElementAsync(selector, CommunityAppFactory.Timeout);
        item.Click();
    }

    /// <summary>The toasts shown so far, with their severity: "success", "warning", "error", "info" or "normal".</summary>
    public IReadOnlyList<(string Severity, string Text)> Toasts =>
        [.. Snackbars.FindAll(".mud-snackbar").Select(t => (SeverityOf(t), t.TextContent.Trim()))];

    /// <summary>Waits for a toast to appear after an action, and returns it.</summary>
    public async Task<(string Severity, string Text)> NextToastAsync(int seen)
    {
        await Snackbars.WaitForAssertionAsync(() => Assert.True(Toasts.Count > seen), TimeSpan.FromSeconds(10));
        return Toasts[seen];
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await _appScope.DisposeAsync();
    }

    private static string SeverityOf(IElement toast)
    {
        var classes = toast.ClassName ?? "";
        foreach (var severity in new[] { "success", "warning", "error", "info" })
        {
            if (classes.Contains(severity, StringComparison.Ordinal))
            {
                return severity;
            }
        }

        return "normal";
    }
}
