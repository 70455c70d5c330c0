using SupportCommunity.Messages;
using SupportCommunity.Web.Messages;

namespace SupportCommunity.Web.Tests.Components;

public sealed class RoomTimelineTests
{
    private readonly RoomTimeline _timeline = new(new MessageFormatter());

    private static MessageDto Message(long sequence, long revision, string body = "text", string author = "a", bool deleted = false) => new(
        sequence, "general", sequence, revision, Guid.NewGuid(), author, author, "Customer",
        deleted ? null : body, null, DateTimeOffset.UnixEpoch.AddSeconds(sequence), null, deleted);

    [Fact]
    public void Upsert_OutOfOrderAndDuplicated_KeepsSequenceOrderWithoutDuplicates()
    {
        _timeline.UpsertAll([Message(3, 3), Message(1, 1), Message(2, 2), Message(3, 3), Message(1, 1)]);
        Assert.Equal([1L, 2L, 3L], _timeline.Items.Select(v => v.Message.Sequence));
    }

    [Fact]
    public void Upsert_StaleState_NeverReplacesANewerOne()
    {
        _timeline.Upsert(Message(1, 5, "edited"));
        Assert.False(_timeline.Upsert(Message(1, 1, "original")));
        Assert.Equal("edited", _timeline.Items.Single().Message.Body);
    }

    [Fact]
    public void IsAfterGap_DetectsAMissedMessage()
    {
        _timeline.Upsert(Message(1, 1));
        Assert.False(_timeline.IsAfterGap(Message(2, 2)));
        Assert.True(_timeline.IsAfterGap(Message(4, 4)));
    }

    [Fact]
    public void IsAfterGap_DetectsAMissedEditByItsRevision()
    {
        _timeline.UpsertAll([Message(1, 1), Message(2, 2)]);
        _timeline.CompleteTo(2);

        Assert.False(_timeline.IsAfterGap(Message(1, 3, "edited")));
        _timeline.Upsert(Message(1, 3, "edited"));
        Assert.True(_timeline.IsAfterGap(Message(2, 5, "an edit after one that never arrived")));
    }

    [Fact]
    public void Continuation_GroupsConsecutiveMessagesOfOneAuthorAndBreaksOnDeletion()
    {
        _timeline.UpsertAll([Message(1, 1, author: "maya"), Message(2, 2, author: "maya"), Message(3, 3, author: "jordan")]);
        Assert.Equal([false, true, false], _timeline.Items.Select(v => v.Continuation));

        _timeline.Upsert(Message(1, 4, author: "maya", deleted: true));
        Assert.False(_timeline.Items[1].Continuation);
    }

    private static MessageDto Reply(long sequence, long root) => Message(sequence, sequence) with { ReplyToSequence = root };

    [Fact]
    public void UpsertPosted_NewReply_CountsOnItsThreadsFirstMessage()
    {
        _timeline.Upsert(Message(1, 1) with { ReplyCount = 2 });

        Assert.True(_timeline.UpsertPosted(Reply(2, root: 1)));

        Assert.Equal(3, _timeline.Find(1)!.ReplyCount);
    }

    [Fact]
    public void UpsertPosted_ReplyAlreadyHeld_IsNotCountedTwice()
    {
        // The first page holds the question (its count includes the reply) and the reply; then the live event arrives.
        _timeline.UpsertAll([Message(1, 1) with { ReplyCount = 1 }, Reply(2, root: 1)]);

        Assert.False(_timeline.UpsertPosted(Reply(2, root: 1)));

        Assert.Equal(1, _timeline.Find(1)!.ReplyCount);
    }

    [Fact]
    public void Upsert_EditOfAFirstMessage_KeepsTheRepliesCountedLive()
    {
        _timeline.Upsert(Message(1, 1));
        _timeline.UpsertPosted(Reply(2, root: 1));

        _timeline.Upsert(Message(1, 3, "edited"));

        Assert.Equal("edited", _timeline.Find(1)!.Body);
        Assert.Equal(1, _timeline.Find(1)!.ReplyCount);
    }
}
