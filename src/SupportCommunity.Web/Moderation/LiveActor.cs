using Microsoft.AspNetCore.Components.Authorization;
using SupportCommunity.Events;
using SupportCommunity.Identity;

namespace SupportCommunity.Web.Moderation;

/// <summary>
/// The signed-in user of a Blazor circuit as they are now (ADR-0008): roles, moderated rooms and sanctions from
/// <see cref="ActorDirectory"/>, not from the cookie. <see cref="Changed"/> fires when their rights or sanctions
/// change on any node, so pages re-read and re-render (menus appear and disappear).
/// </summary>
public sealed class LiveActor(AuthenticationStateProvider authentication, ActorDirectory actors, IRoomEventBus bus) : IDisposable
{
    private IDisposable? _subscription;
    private string? _userId;

    /// <summary>Raised (off the renderer's thread) after the user's rights or sanctions changed.</summary>
    public event Func<Task>? Changed;

    /// <summary>The current actor, re-read (at most 2 s old); null when signed out. Call it in every event handler.</summary>
    public async Task<Actor?> GetAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        var actor = await actors.GetAsync(state.User);
        if (actor is not null && _subscription is null)
        {
            _userId = actor.UserId;
            _subscription = bus.Subscribe(UserChannel.For(actor.UserId), OnEventAsync);
        }

        return actor;
    }

    public void Dispose() => _subscription?.Dispose();

    private async Task OnEventAsync(RoomEvent roomEvent)
    {
        if (roomEvent is not (RightsChanged or SanctionChanged) || _userId is null)
        {
            return;
        }

        // This subscription may run before the directory's own: drop the cached rights first.
        actors.Forget(_userId);
        if (Changed is { } changed)
        {
            foreach (var handler in changed.GetInvocationList().Cast<Func<Task>>())
            {
                await handler();
            }
        }
    }
}
