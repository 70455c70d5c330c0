namespace SupportCommunity.Web.Messages;

/// <summary>
/// The state of one of the composer's pickers (the <c>@</c> mention list, the <c>/</c> canned responses): what it lists
/// for the token typed at the end of the text, where that token starts, which option is active, and a token the user
/// closed with Esc (it stays closed until a new token starts). Lookups are numbered so that an answer to an older
/// keystroke never replaces a newer one.
/// </summary>
public sealed class ComposerPicker<T>
{
    private int _dismissedAt = -1;
    private int _lookups;

    public IReadOnlyList<T> Items { get; private set; } = [];

    public int Active { get; private set; }

    /// <summary>Where the token starts in the text (its <c>@</c> or <c>/</c>), or -1.</summary>
    public int At { get; private set; } = -1;

    public bool IsOpen => Items.Count > 0;

    public T ActiveItem => Items[Active];

    /// <summary>A new lookup for the token at <paramref name="at"/> (-1: none): its number, or null when there is nothing to look up.</summary>
    public int? Begin(int at)
    {
        var lookup = ++_lookups;
        if (at != _dismissedAt)
        {
            _dismissedAt = -1;
        }

        if (at < 0 || at == _dismissedAt)
        {
            Close();
            return null;
        }

        return lookup;
    }

    /// <summary>Shows what lookup <paramref name="lookup"/> found, unless a later one was started; false when it was dropped.</summary>
    public bool Show(int lookup, int at, IReadOnlyList<T> found)
    {
        if (lookup != _lookups)
        {
            return false;
        }

        // The same token, narrowed: keep the active option where it was if it still exists.
        Active = At == at ? Math.Min(Active, Math.Max(0, found.Count - 1)) : 0;
        At = at;
        Items = found;
        return true;
    }

    public void Move(int delta)
    {
        if (Items.Count > 0)
        {
            Active = (Active + delta + Items.Count) % Items.Count;
        }
    }

    /// <summary>Esc: closed until a new token starts.</summary>
    public void Dismiss()
    {
        _dismissedAt = At;
        Close();
    }

    /// <summary>Closes the list; an answer still on its way is dropped.</summary>
    public void Close()
    {
        _lookups++;
        Items = [];
        At = -1;
        Active = 0;
    }
}
