using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SupportCommunity.Identity;
using SupportCommunity.Web.Rooms;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>
/// A whole live room (RoomView) in bUnit over the real services: MudBlazor's providers for its dialogs, menus and
/// toasts, a signed-in member, and local storage that finds nothing (loose JS interop).
/// </summary>
public abstract class RoomHarness : MudTestContext, IClassFixture<ComponentDatabase>
{
    protected RoomHarness(ComponentDatabase db)
    {
        Db = db;
        db.AddTo(Services);
        Services.AddScoped<ProtectedLocalStorage>();
        Auth = AddAuthorization();
        Render<MudPopoverProvider>();
        Dialogs = Render<MudDialogProvider>();
        Snackbars = Render<MudSnackbarProvider>();
    }

    protected ComponentDatabase Db { get; }

    protected BunitAuthorizationContext Auth { get; }

    protected IRenderedComponent<MudDialogProvider> Dialogs { get; }

    protected IRenderedComponent<MudSnackbarProvider> Snackbars { get; }

    protected string Tag { get; } = Guid.NewGuid().ToString("N")[..6];

    /// <summary>Opens the room as <paramref name="viewer"/> and waits until it shows.</summary>
    protected async Task<IRenderedComponent<RoomView>> OpenRoomAsync(Actor viewer, string slug)
    {
        Auth.SignIn(viewer);
        var room = Render<RoomView>(p => p.Add(r => r.Slug, slug));
        await room.WaitForAssertionAsync(() => Assert.Equal("true", room.Find("[data-testid=room]").GetAttribute("data-ready")));
        return room;
    }

    /// <summary>The text of every toast shown so far.</summary>
    protected IReadOnlyList<string> Toasts => [.. Snackbars.FindAll(".mud-snackbar").Select(s => s.TextContent.Trim())];
}
