using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>A frame of an unknown message type must not stop the frames after it from being read.</summary>
public sealed class ForwardCompatibleJsonProtocolTests
{
    private static readonly ForwardCompatibleJsonProtocol Protocol = new(Options.Create(new JsonHubProtocolOptions()));

    [Theory]
    [InlineData("{\"type\":0}")]
    [InlineData("{\"type\":-1,\"target\":\"SendMessage\"}")]
    [InlineData("{\"type\":99}")]
    public void TryParseMessage_UnknownTypeThenInvocation_ReadsAPingThenTheInvocation(string unknown)
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(
            unknown + "\u001e{\"type\":1,\"invocationId\":\"7\",\"target\":\"Typing\",\"arguments\":[\"general\"]}\u001e"));

        Assert.True(Protocol.TryParseMessage(ref input, new Binder(), out var first));
        Assert.Same(PingMessage.Instance, first);
        Assert.True(Protocol.TryParseMessage(ref input, new Binder(), out var second));
        Assert.Equal("Typing", Assert.IsType<InvocationMessage>(second).Target);
        Assert.True(input.IsEmpty);
    }

    [Fact]
    public void TryParseMessage_IncompleteFrame_WaitsForMoreBytes()
    {
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"Typ"));

        Assert.False(Protocol.TryParseMessage(ref input, new Binder(), out var message));
        Assert.Null(message);
        Assert.Equal(23, input.Length);
    }

    private sealed class Binder : IInvocationBinder
    {
        public IReadOnlyList<Type> GetParameterTypes(string methodName) => [typeof(string)];

        public Type GetReturnType(string invocationId) => typeof(object);

        public Type GetStreamItemType(string streamId) => typeof(object);
    }
}
