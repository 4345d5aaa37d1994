using System.Text;
using Grpc.Core;
using Grpc.Net.Client;

namespace Orvirt.Security.Tests;

/// <summary>
/// Sends hand-built protobuf bytes to a method, bypassing the generated client, so that a test can send what a
/// well-behaved client never would (invalid UTF-8, deeply nested unknown groups).
/// </summary>
public static class RawGrpc
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>Calls <c>/orvirt.v1.VirtualMachines/{method}</c> with <paramref name="body"/>; returns the status the server answered.</summary>
    public static async Task<Status> CallAsync(Uri address, string token, string method, byte[] body)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var invoker = channel.CreateCallInvoker();
        var descriptor = new Method<byte[], byte[]>(MethodType.Unary, "orvirt.v1.VirtualMachines", method, Bytes, Bytes);
        var headers = new Metadata { { "authorization", "Bearer " + token } };
        try
        {
            await invoker.AsyncUnaryCall(descriptor, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(30)), body);
            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }

    /// <summary>A length-delimited field (wire type 2) holding <paramref name="value"/>.</summary>
    public static byte[] Field(int number, byte[] value) => [.. Varint((uint)(number << 3) | 2), .. Varint((uint)value.Length), .. value];

    /// <summary>A length-delimited field holding the UTF-8 of <paramref name="value"/>.</summary>
    public static byte[] Field(int number, string value) => Field(number, Encoding.UTF8.GetBytes(value));

    /// <summary><paramref name="depth"/> unknown start-groups of field <paramref name="number"/>, nested, then closed.</summary>
    public static byte[] NestedGroups(int number, int depth)
    {
        var open = Varint((uint)(number << 3) | 3);
        var close = Varint((uint)(number << 3) | 4);
        var bytes = new List<byte>();
        for (var i = 0; i < depth; i++)
        {
            bytes.AddRange(open);
        }
        for (var i = 0; i < depth; i++)
        {
            bytes.AddRange(close);
        }
        return [.. bytes];
    }

    private static byte[] Varint(uint value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }
}
