using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.CannedResponses;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Demo;

/// <summary>
/// The demo community of design.md §4: three rooms, seven accounts and a short conversation in each room, for a
/// support community around "Nimbus", a file-sync app. Seeded once into an empty database when demo mode is on.
/// </summary>
public static class DemoCommunity
{
    public const string Password = "Demo123!";

    public static readonly IReadOnlyList<DemoAccount> Accounts =
    [
        new("admin@demo.test", "Alex Morgan", CommunityRoles.Admin),
        new("manager@demo.test", "Maya Chen", CommunityRoles.CommunityManager),
        new("agent@demo.test", "Sam Patel", CommunityRoles.SupportAgent),
        new("moderator@demo.test", "Theo Ruiz", CommunityRoles.VolunteerModerator),
        new("member@demo.test", "Priya Nair", CommunityRoles.TrustedMember),
        new("customer@demo.test", "Jordan Lee", CommunityRoles.Customer),
        new("customer2@demo.test", "Casey Brooks", CommunityRoles.Customer),
    ];

    private static readonly (string Slug, string Name, string Topic)[] Rooms =
    [
        ("general", "General", "Ask anything about Nimbus. Members and staff answer here."),
        ("billing", "Billing", "Plans, invoices and payments. Never post card numbers here."),
        ("feedback", "Feedback", "Ideas, wishes and praise for the product team."),
    ];

    private static readonly (string Room, string Email, string Body)[] Conversation =
    [
        ("general", "customer@demo.test", "Hi all! Since this morning's update my desktop app says \"Sync paused\" and won't resume. Anyone else?"),
        ("general", "member@demo.test", "Saw that too. Quitting the app fully (tray icon → **Quit**) and reopening fixed it for me."),
        ("general", "customer2@demo.test", "Same here on macOS 15. Restarting didn't help me though 😕"),
        ("general", "manager@demo.test", "Thanks for flagging, both of you! We know about a sync pause after 4.2.0 on macOS, and 4.2.1 ships today. Until then, **Settings → Sync → Resume all** gets it going again."),
        ("general", "customer2@demo.test", "That did it, thank you Maya!"),
        ("general", "moderator@demo.test", "Tip for everyone: when sync looks stuck, check the [status page](https://status.example.com) first."),
        ("billing", "customer2@demo.test", "I was charged twice for my annual plan this month. Who can help?"),
        ("billing", "manager@demo.test", "Sorry about that, Casey. Please don't share payment details here: I'll reply privately and sort it out with our billing team."),
        ("billing", "agent@demo.test", "Hi Casey, Sam from support here. I found the duplicate charge and the refund is on its way (3–5 business days)."),
        ("billing", "customer2@demo.test", "Thanks Sam, that was quick."),
        ("feedback", "member@demo.test", "Feature wish: selective sync for shared folders, so my laptop doesn't pull the whole team drive."),
        ("feedback", "customer@demo.test", "+1, that would save me 200 GB."),
        ("feedback", "manager@demo.test", "Great idea! I've passed it to the product team with your votes. Keep them coming."),
    ];

    private static readonly (string Shortcut, string Title, string Body)[] Canned =
    [
        ("welcome", "Welcome to the room", "Welcome to #{room.name}! I'm {agent.name} from the Nimbus team. Ask away: the community and our staff are here to help."),
        ("refund", "Refund on its way", "Hi {customer.name}, I've asked our billing team to refund the charge. It takes 3 to 5 business days to reach your account, and I'll follow up here if anything changes."),
        ("logs", "Ask for the app's logs", "Could you send us your logs, {customer.name}? In the desktop app choose **Help → Export logs**, then attach the file in a private conversation with us, never in a public room. Thanks!"),
    ];

    public static async Task SeedAsync(
        CommunityDbContext db, UserManager<CommunityUser> users, TimeProvider clock, CancellationToken cancellationToken = default)
    {
        var actors = new Dictionary<string, Actor>(StringComparer.Ordinal);
        foreach (var account in Accounts)
        {
            var user = await users.FindByEmailAsync(account.Email);
            if (user is null)
            {
                user = new CommunityUser
                {
                    UserName = account.Email,
                    Email = account.Email,
                    EmailConfirmed = true,
                    DisplayName = account.DisplayName,
                    // Established members of the demo community, not accounts made a minute ago (new-member limits).
                    CreatedAt = clock.GetUtcNow().AddDays(-30),
                };
                Check(await users.CreateAsync(user, Password), account.Email);
                Check(await users.AddToRoleAsync(user, account.Role), account.Email);
            }

            actors[account.Email] = new Actor(user.Id, user.DisplayName, new HashSet<string> { account.Role });
        }

        // Checked apart from the rooms, so that a demo database from before canned responses gets them too (once: deleted ones count).
        if (!await db.CannedResponses.AnyAsync(cancellationToken))
        {
            var seededAt = clock.GetUtcNow().AddDays(-30);
            db.CannedResponses.AddRange(Canned.Select(c => new CannedResponse
            {
                Shortcut = c.Shortcut, Title = c.Title, Body = c.Body, Shared = true,
                OwnerId = actors["manager@demo.test"].UserId, CreatedAt = seededAt, UpdatedAt = seededAt,
            }));
            await db.SaveChangesAsync(cancellationToken);
        }

        if (await db.Rooms.AnyAsync(cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow();
        var rooms = new Dictionary<string, Room>(StringComparer.Ordinal);
        for (var i = 0; i < Rooms.Length; i++)
        {
            var (slug, name, topic) = Rooms[i];
            rooms[slug] = new Room { Slug = slug, Name = name, Topic = topic, SortOrder = i, CreatedAt = now.AddDays(-30) };
        }

        db.Rooms.AddRange(rooms.Values);
        await db.SaveChangesAsync(cancellationToken);
        db.RoomModerators.Add(new RoomModerator { RoomId = rooms["general"].Id, UserId = actors["moderator@demo.test"].UserId });
        await db.SaveChangesAsync(cancellationToken);
        // From here the room counters change in the database only; tracked copies would write stale numbers back.
        db.ChangeTracker.Clear();

        var conversation = Conversation.Select((line, i) => new NewMessage(
            rooms[line.Room].Id,
            line.Room,
            actors[line.Email],
            Guid.NewGuid(),
            line.Body,
            ReplyToSequence: null,
            now.AddMinutes(-3 * (Conversation.Length - i) - 40))).ToList();
        await using (var rows = new MessageRows(db))
        {
            await MessageWriter.AppendAsync(rows, conversation, cancellationToken);
        }

        await Tickets.DemoTickets.SeedAsync(db, actors, rooms, now, cancellationToken);
    }

    private static void Check(IdentityResult result, string email)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Could not seed demo account {email}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}

public sealed record DemoAccount(string Email, string DisplayName, string Role);
