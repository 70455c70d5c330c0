using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Conversations;
using SupportCommunity.Data;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Conversations;

/// <summary>
/// An app with two private conversations of the customer (Jordan Lee), each with staff notes, every message holding a
/// unique secret string:
/// <list type="bullet">
/// <item>A: from a question in #billing, opened by the community manager; the agent writes notes too. The demo
/// volunteer moderator moderates #general only, so for A they are "a volunteer moderator of an unrelated room".</item>
/// <item>B: from a question in #general, opened by that volunteer moderator (they moderate its source room).</item>
/// </list>
/// Secrets mention Casey Brooks (customer2) and Theo Ruiz (the moderator), and the notes mention the customer, so a
/// broken access check would also notify them.
/// </summary>
public sealed class PrivateConversationScenario : IAsyncLifetime
{
    /// <summary>Slugs shaped like real ones that no room has: the answer for them is what "not found" looks like.</summary>
    public const string MadeUpSlug = "private-0000deadbeef";

    public const string MadeUpNotesSlug = MadeUpSlug + "-notes";

    private readonly string _tag = Guid.NewGuid().ToString("N")[..10];

    public CommunityAppFactory App { get; } = new();

    public ConversationDto A { get; private set; } = null!;

    public ConversationDto B { get; private set; } = null!;

    public string ANotes => A.NotesSlug!;

    public string BNotes => B.NotesSlug!;

    public MessageDto AQuestion { get; private set; } = null!;

    public MessageDto BQuestion { get; private set; } = null!;

    /// <summary>A's first message (the manager's, a thread root), the customer's answer, and a reply in its thread.</summary>
    public MessageDto AStaffMessage { get; private set; } = null!;

    public MessageDto ACustomerMessage { get; private set; } = null!;

    public MessageDto AThreadReply { get; private set; } = null!;

    public MessageDto ANote { get; private set; } = null!;

    public MessageDto ANoteReply { get; private set; } = null!;

    public MessageDto BStaffMessage { get; private set; } = null!;

    public MessageDto BNote { get; private set; } = null!;

    /// <summary>Every secret in the conversations (which their customer may see).</summary>
    public IReadOnlyList<string> ConversationSecrets { get; private set; } = [];

    /// <summary>Every secret in the staff notes (which no customer may ever see).</summary>
    public IReadOnlyList<string> NoteSecrets { get; private set; } = [];

    public IEnumerable<string> AllSecrets => ConversationSecrets.Concat(NoteSecrets);

    /// <summary>The text every secret starts with: a search for it would find them all.</summary>
    public string SecretPrefix => "SECRET" + _tag;

    public string Secret(string name) => SecretPrefix + name;

    /// <summary>A room's slug by the name the test data uses: A, A-notes, B, B-notes.</summary>
    public string Slug(string name) => name switch
    {
        "A" => A.Slug,
        "A-notes" => ANotes,
        "B" => B.Slug,
        "B-notes" => BNotes,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The made-up slug of the same shape (a conversation's or a notes room's).</summary>
    public static string MadeUp(string name) => name.EndsWith("-notes", StringComparison.Ordinal) ? MadeUpNotesSlug : MadeUpSlug;

    /// <summary>A message by the name the test data uses.</summary>
    public MessageDto Message(string name) => name switch
    {
        "A-staff" => AStaffMessage,
        "A-customer" => ACustomerMessage,
        "A-thread-reply" => AThreadReply,
        "A-note" => ANote,
        "A-note-reply" => ANoteReply,
        "B-staff" => BStaffMessage,
        "B-note" => BNote,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public async Task InitializeAsync()
    {
        await using var customer = await App.ConnectClientAsync(Customer);
        await using var manager = await App.ConnectClientAsync(Manager);
        await using var agent = await App.ConnectClientAsync(Agent);
        await using var moderator = await App.ConnectClientAsync(Moderator);

        AQuestion = await customer.SendAsync(Billing, $"Question {_tag}: my invoice shows the wrong amount, can someone check?");
        A = await manager.ReplyPrivatelyAsync(Billing, AQuestion.Sequence);
        AStaffMessage = await manager.SendAsync(A.Slug, $"{Secret("A1")} Please confirm your account e-mail. cc @Casey Brooks @Theo Ruiz");
        ACustomerMessage = await customer.SendAsync(A.Slug, $"{Secret("A2")} It is jordan@private.example, card ending 4242. @Casey Brooks");
        AThreadReply = await manager.SendReplyAsync(A.Slug, $"{Secret("A3")} Thanks, found it. @Theo Ruiz", AStaffMessage.Sequence);
        ANote = await manager.SendAsync(A.NotesSlug!, $"{Secret("N1")} @Jordan Lee was double charged; @Casey Brooks @Theo Ruiz must not see this");
        ANoteReply = await agent.SendReplyAsync(A.NotesSlug!, $"{Secret("N2")} Refund issued for @Jordan Lee", ANote.Sequence);

        BQuestion = await customer.SendAsync(General, $"Question {_tag}: sync stopped after I changed my password.");
        B = await moderator.ReplyPrivatelyAsync(General, BQuestion.Sequence);
        BStaffMessage = await moderator.SendAsync(B.Slug, $"{Secret("B1")} Which device? @Casey Brooks");
        BNote = await moderator.SendAsync(B.NotesSlug!, $"{Secret("N3")} @Jordan Lee uses a shared account");

        ConversationSecrets = [Secret("A1"), Secret("A2"), Secret("A3"), Secret("B1")];
        NoteSecrets = [Secret("N1"), Secret("N2"), Secret("N3")];
    }

    /// <summary>The room's row as stored now.</summary>
    public async Task<Room> RoomRowAsync(string slug)
    {
        await using var db = await CreateDbContextAsync();
        return await db.Rooms.AsNoTracking().SingleAsync(r => r.Slug == slug);
    }

    public async Task<Message> MessageRowAsync(long id)
    {
        await using var db = await CreateDbContextAsync();
        return await db.Messages.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    /// <summary>
    /// Everything stored that a refused write could have changed: room counters and flags, read marks, messages.
    /// (Notifications are created after a send, asynchronously, so they are checked by the live tests instead.)
    /// </summary>
    public async Task<string> SnapshotAsync()
    {
        await using var db = await CreateDbContextAsync();
        var rooms = await db.Rooms.AsNoTracking().OrderBy(r => r.Id)
            .Select(r => $"{r.Slug}:{r.LastSequence}:{r.Revision}:{r.SummaryOptOut}").ToListAsync();
        var marks = await db.RoomReadStates.AsNoTracking().OrderBy(s => s.RoomId).ThenBy(s => s.UserId)
            .Select(s => $"{s.UserId}@{s.RoomId}:{s.LastReadSequence}").ToListAsync();
        var messages = await db.Messages.AsNoTracking().OrderBy(m => m.Id)
            .Select(m => $"{m.Id}:{m.Revision}:{m.Body}:{m.DeletedAt}").ToListAsync();
        return string.Join('\n', rooms.Concat(marks).Concat(messages));
    }

    public async Task<CommunityDbContext> CreateDbContextAsync() =>
        await App.Services.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();

    public Task DisposeAsync()
    {
        App.Dispose();
        return Task.CompletedTask;
    }
}
