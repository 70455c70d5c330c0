using System.Collections.ObjectModel;
using Microsoft.AspNetCore.Components;
using SupportCommunity.Messages;

namespace SupportCommunity.Web.Messages;

/// <summary>A message ready to show: its state, its sanitised HTML, and whether it continues the previous author's run.</summary>
public sealed record MessageView(MessageDto Message, MarkupString Html, bool Continuation);

/// <summary>
/// The messages a live room view holds, in sequence order. Whatever arrives (the first page, live events in any
/// order, catch-up, older pages) goes through <see cref="Upsert"/>, so nothing shows twice and a stale copy never
/// replaces a newer one.
/// </summary>
public sealed class RoomTimeline(MessageFormatter formatter)
{
    /// <summary>Consecutive messages of one author within this time are shown as one run.</summary>
    public static readonly TimeSpan RunWindow = TimeSpan.FromMinutes(5);

    private readonly List<MessageView> _items = [];
    private ReadOnlyCollection<MessageView>? _view;

    /// <summary>A live, read-only view of the messages (Virtualize needs an <see cref="ICollection{T}"/>).</summary>
    public ReadOnlyCollection<MessageView> Items => _view ??= _items.AsReadOnly();

    public long LastSequence => _items.Count == 0 ? 0 : _items[^1].Message.Sequence;

    public long FirstSequence => _items.Count == 0 ? 0 : _items[0].Message.Sequence;

    /// <summary>The room revision up to which this view is known to be complete.</summary>
    public long Revision { get; private set; }

    public void Clear()
    {
        _items.Clear();
        Revision = 0;
    }

    /// <summary>Records that the view holds every change up to <paramref name="revision"/> (after a load or catch-up).</summary>
    public void CompleteTo(long revision) => Revision = Math.Max(Revision, revision);

    /// <summary>Notes a change that arrived live, even one to a message this view does not hold.</summary>
    public void Saw(long revision)
    {
        if (revision == Revision + 1)
        {
            Revision = revision;
        }
    }

    /// <summary>
    /// True when <paramref name="message"/> shows that something was missed: a sequence past the next one, or a change
    /// whose revision is past the next one (an edit or deletion that never arrived).
    /// </summary>
    public bool IsAfterGap(MessageDto message) =>
        (_items.Count > 0 && message.Sequence > LastSequence + 1) || (Revision > 0 && message.Revision > Revision + 1);

    /// <summary>Adds the message or replaces an older state of it. Returns false when nothing changed.</summary>
    public bool Upsert(MessageDto message) => Store(message) != Stored.Unchanged;

    /// <summary>
    /// Adds a message that was just posted (a live event or the user's own send). A reply new to this view also counts
    /// on its thread's first message: the server counts it in the database but does not send the first message again.
    /// A reply already held (a duplicate event, or one read with its first message) is not counted twice.
    /// </summary>
    public bool UpsertPosted(MessageDto message)
    {
        var stored = Store(message);
        if (stored == Stored.Added && message.ReplyToSequence is { } root && IndexOf(root) is var index and >= 0)
        {
            var first = _items[index];
            _items[index] = first with { Message = first.Message with { ReplyCount = first.Message.ReplyCount + 1 } };
        }

        return stored != Stored.Unchanged;
    }

    /// <summary>The message held at <paramref name="sequence"/>, or null.</summary>
    public MessageDto? Find(long sequence) => IndexOf(sequence) is var index and >= 0 ? _items[index].Message : null;

    private enum Stored { Unchanged, Added, Replaced }

    private Stored Store(MessageDto message)
    {
        Saw(message.Revision);

        var index = IndexOf(message.Sequence);
        Stored stored;
        if (index >= 0)
        {
            if (_items[index].Message.Revision >= message.Revision)
            {
                return Stored.Unchanged;
            }

            // An edit or the private-help marker: keep the replies this view counted live (a change does not recount them).
            var counted = Math.Max(message.ReplyCount, _items[index].Message.ReplyCount);
            _items[index] = View(message with { ReplyCount = counted }, index);
            stored = Stored.Replaced;
        }
        else
        {
            index = ~index;
            _items.Insert(index, View(message, index));
            stored = Stored.Added;
        }

        // The next message's run may start or end here.
        if (index + 1 < _items.Count)
        {
            _items[index + 1] = _items[index + 1] with { Continuation = ContinuesRun(message, _items[index + 1].Message) };
        }

        return stored;
    }

    public bool UpsertAll(IEnumerable<MessageDto> messages)
    {
        var changed = false;
        foreach (var message in messages)
        {
            changed |= Upsert(message);
        }

        return changed;
    }

    public MessageView? FindLastBy(string authorId)
    {
        for (var i = _items.Count - 1; i >= 0; i--)
        {
            if (_items[i].Message.AuthorId == authorId && !_items[i].Message.Deleted)
            {
                return _items[i];
            }
        }

        return null;
    }

    private MessageView View(MessageDto message, int index)
    {
        var continuation = index > 0 && ContinuesRun(_items[index - 1].Message, message);
        var html = message.Body is null ? default : new MarkupString(formatter.ToHtml(message.Body));
        return new MessageView(message, html, continuation);
    }

    private static bool ContinuesRun(MessageDto previous, MessageDto message) =>
        !previous.Deleted
        && !message.Deleted
        && previous.AuthorId == message.AuthorId
        && previous.Sequence == message.Sequence - 1
        && message.CreatedAt - previous.CreatedAt < RunWindow;

    private int IndexOf(long sequence)
    {
        int low = 0, high = _items.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            var value = _items[mid].Message.Sequence;
            if (value == sequence)
            {
                return mid;
            }

            if (value < sequence)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return ~low;
    }
}
