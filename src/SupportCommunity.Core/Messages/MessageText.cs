using System.Globalization;
using System.Text;

namespace SupportCommunity.Messages;

/// <summary>
/// Turns what a user typed into the text we store (design.md §5): NFC, no control or bidi-override characters,
/// zero-width runs collapsed, combining-mark floods cut, trimmed, and within the length limit.
/// </summary>
public static class MessageText
{
    /// <summary>Combining marks allowed on one base character; real scripts need far fewer, "zalgo" text far more.</summary>
    public const int MaxCombiningMarks = 4;

    /// <summary>One line of a message for quotes, lists and notifications: whitespace folded, cut with "…".</summary>
    public static string Excerpt(string? text, int length)
    {
        var flat = string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= length ? flat : flat[..(length - 1)] + "…";
    }

    /// <summary>
    /// Text for a markdown body that must read literally: every ASCII punctuation mark markdown gives a meaning to is
    /// backslash-escaped, so a display name or a subject cannot become a link, emphasis or a heading in a message the
    /// app writes.
    /// </summary>
    public static string EscapeMarkdown(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\\' or '`' or '*' or '_' or '{' or '}' or '[' or ']' or '(' or ')' or '#' or '+' or '-' or '.' or '!' or '<' or '>' or '|' or '~' or '"' or ':')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    public static string Normalize(string? raw, int maxLength)
    {
        if (raw is null)
        {
            throw CommunityException.Invalid("A message needs some text.");
        }

        // Refuse absurd input before spending time on it; the exact limit is checked after normalising.
        if (raw.Length > maxLength * 4)
        {
            throw TooLong(raw.Length, maxLength);
        }

        var text = Clean(raw).Normalize(NormalizationForm.FormC);
        text = CapCombiningMarks(text).Trim().Trim(ZeroWidth).Trim();

        if (!HasVisibleText(text))
        {
            throw CommunityException.Invalid("A message needs some text.");
        }

        if (text.Length > maxLength)
        {
            throw TooLong(text.Length, maxLength);
        }

        return text;
    }

    /// <summary>
    /// Normalises a short text that is not a message (a reason, a banner, rules, a name) exactly as
    /// <see cref="Normalize"/> does, optionally folded to one line. Null when no visible text is left; over
    /// <paramref name="maxLength"/> it is refused with <paramref name="tooLong"/> (400), which names the field.
    /// </summary>
    public static string? NormalizeOptional(string? raw, int maxLength, string tooLong, bool singleLine = true)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        string text;
        try
        {
            text = Normalize(raw, maxLength);
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.Invalid)
        {
            return null;
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.TooLarge)
        {
            throw CommunityException.Invalid(tooLong);
        }

        return singleLine ? Excerpt(text, int.MaxValue) : text;
    }

    private static CommunityException TooLong(int length, int maxLength) =>
        new(CommunityError.TooLarge,
            $"A message can be at most {maxLength:N0} characters; this one has {length:N0}.");

    /// <summary>Drops lone surrogates, control and bidi-override characters; collapses zero-width runs to one.</summary>
    private static string Clean(string raw)
    {
        var builder = new StringBuilder(raw.Length);
        var previousWasZeroWidth = false;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1]))
                {
                    builder.Append(c).Append(raw[++i]);
                    previousWasZeroWidth = false;
                }

                continue;
            }

            if (char.IsLowSurrogate(c))
            {
                continue;
            }

            if (c == '\r')
            {
                // CRLF and lone CR both become LF.
                if (i + 1 < raw.Length && raw[i + 1] == '\n')
                {
                    continue;
                }

                c = '\n';
            }

            if (IsZeroWidth(c))
            {
                if (!previousWasZeroWidth)
                {
                    builder.Append(c);
                }

                previousWasZeroWidth = true;
                continue;
            }

            previousWasZeroWidth = false;
            if (IsRemoved(c))
            {
                continue;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>
    /// False when only whitespace and invisible format characters are left. Trimming alone misses zero-width
    /// characters between spaces ("\u200B \u200B \u200B") and other invisible ones such as soft hyphens.
    /// </summary>
    private static bool HasVisibleText(string text) =>
        text.Any(c => !char.IsWhiteSpace(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format);

    private static readonly char[] ZeroWidth = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF'];

    private static bool IsZeroWidth(char c) => Array.IndexOf(ZeroWidth, c) >= 0;

    private static bool IsRemoved(char c) =>
        (char.IsControl(c) && c is not '\n' and not '\t')
        || c is >= '\u202A' and <= '\u202E' // embeddings and overrides
        || c is >= '\u2066' and <= '\u2069' // isolates
        || c is '\u200E' or '\u200F' or '\u061C' // directional marks
        || c is >= '\uFFF9' and <= '\uFFFB'; // interlinear annotations

    private static string CapCombiningMarks(string text)
    {
        StringBuilder? builder = null;
        var run = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(text[i]);
            var isMark = category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;
            run = isMark ? run + 1 : 0;
            if (run > MaxCombiningMarks)
            {
                builder ??= new StringBuilder(text, 0, i, text.Length);
                continue;
            }

            builder?.Append(text[i]);
        }

        return builder?.ToString() ?? text;
    }
}
