using SupportCommunity.Messages;

namespace SupportCommunity.Core.Tests.Messages;

/// <summary>MessageText.NormalizeOptional: the message normaliser for reasons, banners, rules and names.</summary>
public sealed class NormalizeOptionalTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \n ")]
    [InlineData("\u202E\u200B\u0000\u2066")]
    public void NormalizeOptional_NothingVisible_IsNull(string? raw) =>
        Assert.Null(MessageText.NormalizeOptional(raw, 500, "too long"));

    [Fact]
    public void NormalizeOptional_HostileText_IsCleanedAndFoldedToOneLine()
    {
        var text = MessageText.NormalizeOptional("  Spam\u0000 and\u202E\n\nabuse\u200B\u200B\u200B here  ", 500, "too long");

        Assert.Equal("Spam and abuse\u200B here", text);
    }

    [Fact]
    public void NormalizeOptional_MultiLine_KeepsTheLines()
    {
        var text = MessageText.NormalizeOptional("# Rules\r\n\r\n1. Be kind\u202E", 4000, "too long", singleLine: false);

        Assert.Equal("# Rules\n\n1. Be kind", text);
    }

    [Fact]
    public void NormalizeOptional_OverTheLimit_IsRefusedAsInvalidWithTheGivenSentence()
    {
        var refusal = Assert.Throws<CommunityException>(() => MessageText.NormalizeOptional(new string('a', 501), 500, "A reason is at most 500 characters."));

        Assert.Equal(CommunityError.Invalid, refusal.Error);
        Assert.Equal("A reason is at most 500 characters.", refusal.Message);
    }

    [Fact]
    public void NormalizeOptional_CombiningFloodWithinTheLimitOnceCut_IsAccepted()
    {
        var text = MessageText.NormalizeOptional("Z" + new string('\u0336', 200) + "algo", 60, "too long");

        Assert.Equal("Z" + new string('\u0336', MessageText.MaxCombiningMarks) + "algo", text);
    }
}
