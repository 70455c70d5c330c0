using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Moderation;

namespace SupportCommunity.Web.Tests.Components.Tickets;

/// <summary>What the ticket components need from a <see cref="ComponentDatabase"/>: members with stored roles, the real
/// ticket services, a signed-in viewer, and tickets escalated the way a manager does it.</summary>
internal static class TicketsTestKit
{
    /// <summary>
    /// Live updates cross the bus and a render: on a machine busy with other test classes this takes more than bUnit's
    /// default second. A missed update still fails, after ten.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static Task WaitLiveAsync<T>(this IRenderedComponent<T> component, Action assertion, TimeSpan? timeout = null)
        where T : Microsoft.AspNetCore.Components.IComponent =>
        component.WaitForAssertionAsync(assertion, Max(timeout));

    public static Task WaitLiveAsync<T>(this IRenderedComponent<T> component, Func<Task> assertion, TimeSpan? timeout = null)
        where T : Microsoft.AspNetCore.Components.IComponent =>
        component.WaitForAssertionAsync(assertion, Max(timeout));

    public static void WaitLive<T>(this IRenderedComponent<T> component, Action assertion, TimeSpan? timeout = null)
        where T : Microsoft.AspNetCore.Components.IComponent =>
        component.WaitForAssertion(assertion, Max(timeout));

    private static TimeSpan Max(TimeSpan? timeout) => timeout is { } t && t > Patience ? t : Patience;

    /// <summary>A member whose roles are stored, so that <see cref="ActorDirectory"/> (and with it the pages) sees them.</summary>
    public static Task<Actor> AddMemberAsync(this ComponentDatabase db, string name, string role) => db.AddUserAsync(name, role);

    /// <summary>The real Core services of the database, as the app's circuits get them.</summary>
    public static void AddTicketServices(this BunitContext context, ComponentDatabase db)
    {
        var services = context.Services;
        db.AddTo(services);
        services.AddSingleton(db.Get<EscalationService>());
        services.AddSingleton(db.Get<TicketCollision>());
        services.AddSingleton(db.Get<ActorDirectory>());
        services.AddSingleton(db.Get<MessageService>());
        services.AddSingleton(db.Get<MessageFormatter>());
        services.AddSingleton(db.Get<IOptions<TicketOptions>>());
        services.AddSingleton(db.Get<IOptions<CommunityLimits>>());
        services.AddSingleton(db.Get<SupportCommunity.Presence.PresenceTracker>());
        services.AddScoped<SupportCommunity.Web.Presence.CircuitPresence>();
        services.AddScoped<LiveActor>();
    }

    public static void SignIn(this BunitContext context, Actor actor)
    {
        var auth = context.AddAuthorization();
        auth.SetAuthorized(actor.DisplayName);
        auth.SetClaims([
            new Claim(ClaimTypes.NameIdentifier, actor.UserId),
            new Claim(Actor.DisplayNameClaim, actor.DisplayName),
            .. actor.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ]);
    }

    /// <summary>The customer asks in the room; the manager escalates that message's thread.</summary>
    public static async Task<TicketDto> EscalateAsync(
        this ComponentDatabase db, Actor manager, Actor customer, string room, string question, TicketPriority priority = TicketPriority.Normal)
    {
        var message = await db.PostAsync(customer, room, question);
        var result = await db.Get<EscalationService>().EscalateAsync(manager, new EscalateRequest(room, message.Sequence, question, priority));
        return result.Ticket;
    }

    /// <summary>Changes a ticket behind every page's back: stored, never published (as when the live feed loses an event).</summary>
    public static async Task ChangeSilentlyAsync(this ComponentDatabase db, int number, TicketPriority priority)
    {
        await using var context = await db.Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        var changed = await context.Tickets.Where(t => t.Number == number)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Priority, priority).SetProperty(t => t.Version, t => t.Version + 1));
        Assert.Equal(1, changed);
    }
}
