using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace TapRoom.Server.Hubs;

/// <summary>
/// SignalR binds a hub method's arguments before any hub filter runs, and without detailed errors the caller of a
/// malformed invocation only hears "Failed to invoke 'X' due to an error on the server." This wraps the JSON protocol
/// and turns a binding failure into a <see cref="HubException"/>, whose message SignalR always passes on:
/// "Failed to invoke 'Authorize' due to an error on the server. HubException: malformed_message: …".
/// Nothing else of the exception (stack, types) reaches the client.
/// </summary>
public sealed class BindingErrorHubProtocol(IHubProtocol inner) : IHubProtocol
{
    public string Name => inner.Name;
    public int Version => inner.Version;
    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        if (!inner.TryParseMessage(ref input, binder, out message)) return false;
        if (message is InvocationBindingFailureMessage failure)
        {
            var hubException = new HubException(
                $"malformed_message: the arguments of '{failure.Target}' do not match its contract (wrong types, or not valid JSON for them).");
            message = new InvocationBindingFailureMessage(failure.InvocationId, failure.Target, ExceptionDispatchInfo.Capture(hubException));
        }
        return true;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);
}
