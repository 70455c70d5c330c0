using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;
using SupportCommunity.Demo;
using SupportCommunity.Identity;
using SupportCommunity.Rooms;

namespace SupportCommunity.Web.Tests.Integration.Moderation;

/// <summary>Fresh members for moderation tests, written straight to the app's database (setup, not the code under test).</summary>
public static class Members
{
    /// <summary>A member who never signs in (a target), with roles and, for a moderator, the rooms moderated.</summary>
    public static async Task<Actor> AddAsync(CommunityAppFactory app, string name, string[] roles, params string[] moderatedRooms)
    {
        await using var db = await DbAsync(app);
        var user = new CommunityUser
        {
            UserName = name + "-" + Guid.NewGuid().ToString("N")[..8],
            DisplayName = name,
            CreatedAt = DateTimeOffset.UtcNow,
            SecurityStamp = Guid.NewGuid().ToString(),
        };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        await SetRolesAsync(app, user.Id, roles, moderatedRooms);
        return new Actor(user.Id, name, roles.ToHashSet());
    }

    /// <summary>A member who signs in (e-mail and the demo password), with a display name and the Customer role.</summary>
    public static async Task<(string Id, string Email)> RegisterAsync(CommunityAppFactory app, string name)
    {
        var email = $"member-{Guid.NewGuid():N}@test.example";
        using var anonymous = app.CreateClient();
        using var registered = await anonymous.PostAsJsonAsync("/api/auth/register", new { email, password = DemoCommunity.Password });
        registered.EnsureSuccessStatusCode();
        await using var db = await DbAsync(app);
        var user = await db.Users.SingleAsync(u => u.Email == email);
        user.DisplayName = name;
        await db.SaveChangesAsync();
        await SetRolesAsync(app, user.Id, [CommunityRoles.Customer]);
        return (user.Id, email);
    }

    /// <summary>Replaces the member's roles and moderated rooms, and drops the app's cached rights for them.</summary>
    public static async Task SetRolesAsync(CommunityAppFactory app, string userId, string[] roles, params string[] moderatedRooms)
    {
        await using var db = await DbAsync(app);
        await db.UserRoles.Where(r => r.UserId == userId).ExecuteDeleteAsync();
        await db.RoomModerators.Where(r => r.UserId == userId).ExecuteDeleteAsync();
        foreach (var role in roles)
        {
            var roleId = await db.Roles.Where(r => r.Name == role).Select(r => r.Id).SingleAsync();
            db.UserRoles.Add(new IdentityUserRole<string> { UserId = userId, RoleId = roleId });
        }

        foreach (var slug in moderatedRooms)
        {
            var roomId = await db.Rooms.Where(r => r.Slug == slug).Select(r => r.Id).SingleAsync();
            db.RoomModerators.Add(new RoomModerator { UserId = userId, RoomId = roomId });
        }

        await db.SaveChangesAsync();
        app.Services.GetRequiredService<ActorDirectory>().Forget(userId);
    }

    public static async Task<string> IdOfAsync(CommunityAppFactory app, string email)
    {
        await using var db = await DbAsync(app);
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }

    public static async Task<IReadOnlyList<string>> RolesOfAsync(CommunityAppFactory app, string userId)
    {
        await using var db = await DbAsync(app);
        return await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == userId orderby r.Name select r.Name!).ToListAsync();
    }

    public static Task<CommunityDbContext> DbAsync(CommunityAppFactory app) =>
        app.Services.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
}
