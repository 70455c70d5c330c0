using System.Text;
using SupportCommunity.Messages;

namespace SupportCommunity.Core.Tests.Messages;

public sealed class MessageTextTests
{
    private const int Max = 4000;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \n\t  ")]
    [InlineData("\u202E\u200B\u0000\u0007")]
    public void Normalize_NothingVisible_RefusesAsInvalid(string? raw)
    {
        var refusal = Assert.Throws<CommunityException>(() => MessageText.Normalize(raw, Max));
        Assert.Equal(CommunityError.Invalid, refusal.Error);
        Assert.Equal("A message needs some text.", refusal.Message);
    }

    [Fact]
    public void Normalize_OverTheLimit_RefusesAsTooLargeAndSaysTheLimit()
    {
        var refusal = Assert.Throws<CommunityException>(() => MessageText.Normalize(new string('a', Max + 1), Max));
        Assert.Equal(CommunityError.TooLarge, refusal.Error);
        Assert.Contains("4,000", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_ExactlyTheLimit_IsKept() =>
        Assert.Equal(Max, MessageText.Normalize(new string('a', Max), Max).Length);

    [Fact]
    public void Normalize_LimitIsCountedAfterCleaning()
    {
        var raw = "  " + new string('a', Max - 2) + new string('\u200B', 10) + "b" + new string('\u202E', 10) + "   ";
        Assert.Equal(Max, MessageText.Normalize(raw, Max).Length);
    }

    [Fact]
    public void Normalize_DecomposedText_BecomesNfc()
    {
        var decomposed = "Cafe\u0301";
        var result = MessageText.Normalize(decomposed, Max);
        Assert.Equal("Caf\u00E9", result);
        Assert.True(result.IsNormalized(NormalizationForm.FormC));
    }

    [Fact]
    public void Normalize_BidiOverridesAndIsolates_AreRemoved() =>
        Assert.Equal("evil.exe txt", MessageText.Normalize("evil\u202E.exe\u2066 txt\u2069\u200F", Max));

    [Fact]
    public void Normalize_ControlCharacters_AreRemovedButLinesAndTabsStay() =>
        Assert.Equal("a\nb\tc\nd", MessageText.Normalize("a\r\nb\tc\u0000\u0007\u001B\rd", Max));

    [Fact]
    public void Normalize_ZeroWidthRun_CollapsesToOne() =>
        Assert.Equal("a\u200Bb", MessageText.Normalize("a\u200B\u200B\u200C\u2060\uFEFFb", Max));

    [Fact]
    public void Normalize_EmojiZwjSequence_IsKept()
    {
        const string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
        Assert.Equal(family, MessageText.Normalize(family, Max));
    }

    [Fact]
    public void Normalize_LoneSurrogates_AreDropped() =>
        Assert.Equal("ab\U0001F600", MessageText.Normalize("a\uD800b\uDC00\U0001F600", Max));

    [Fact]
    public void Normalize_CombiningMarkFlood_IsCut()
    {
        var zalgo = "Z" + new string('\u0336', 50) + "a";
        var result = MessageText.Normalize(zalgo, Max);
        Assert.Equal("Z" + new string('\u0336', MessageText.MaxCombiningMarks) + "a", result);
    }

    [Fact]
    public void Normalize_VietnameseDiacritics_AreUntouched()
    {
        const string text = "Tiếng Việt có dấu";
        Assert.Equal(text.Normalize(NormalizationForm.FormC), MessageText.Normalize(text, Max));
    }

    [Fact]
    public void Normalize_AbsurdlyLongInput_IsRefusedBeforeCleaning()
    {
        var refusal = Assert.Throws<CommunityException>(() => MessageText.Normalize(new string('\u200B', Max * 4 + 1), Max));
        Assert.Equal(CommunityError.TooLarge, refusal.Error);
    }
}
