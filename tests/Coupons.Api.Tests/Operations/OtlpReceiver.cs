using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Coupons.Api.Tests.Crash;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// A collector's OTLP/HTTP traces endpoint (<c>POST /v1/traces</c>, protobuf) on a free loopback
/// port: keeps every body as sent and the spans read from it (<see cref="OtlpSpan.Parse"/>).
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<byte[]> _bodies = new();
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly Task _serving;

    public OtlpReceiver()
    {
        var port = ServerProcess.FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The base address, as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> takes it (the exporter adds <c>/v1/traces</c>).</summary>
    public Uri Endpoint { get; }

    public IReadOnlyCollection<byte[]> Bodies => _bodies;

    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    /// <summary>Waits until a span of every name has come (the exporter sends every 200 ms here); fails after a minute.</summary>
    public async Task WaitForAsync(params string[] names)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (names.Except(Spans.Select(s => s.Name)).ToList() is { Count: > 0 } missing)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no span named {string.Join(", ", missing)}; received: {string.Join(", ", Spans.Select(s => s.Name).Distinct())}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Whether any body carries <paramref name="text"/> (protobuf keeps strings as UTF-8), in any case.</summary>
    public bool AnyBodyContains(string text) =>
        _bodies.Any(body => Encoding.UTF8.GetString(body).Contains(text, StringComparison.OrdinalIgnoreCase));

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var bytes = body.ToArray();
            if (context.Request.HttpMethod == "POST" && context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                _bodies.Enqueue(bytes);
                foreach (var span in OtlpSpan.Parse(bytes))
                {
                    _spans.Enqueue(span);
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
            }
            else
            {
                context.Response.StatusCode = 404;
            }

            context.Response.Close();
        }
    }
}

/// <summary>
/// A span of an OTLP <c>ExportTraceServiceRequest</c>, read with just enough of protobuf's wire
/// format: ids as hex, the name, attributes as text (strings, integers, booleans).
/// </summary>
internal sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes)
{
    public string? this[string key] => Attributes.GetValueOrDefault(key);

    public static IEnumerable<OtlpSpan> Parse(byte[] request) =>
        from resourceSpans in Fields(request, 1)
        from scopeSpans in Fields(resourceSpans, 2)
        from span in Fields(scopeSpans, 2)
        select FromBytes(span);

    private static OtlpSpan FromBytes(byte[] span)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var pair in Fields(span, 9))
        {
            var key = Encoding.UTF8.GetString(Fields(pair, 1).Single());
            var value = Fields(pair, 2).SingleOrDefault() is { } any ? ValueText(any) : "";
            attributes[key] = value;
        }

        return new OtlpSpan(
            Convert.ToHexString(Fields(span, 1).Single()), Convert.ToHexString(Fields(span, 2).Single()),
            Convert.ToHexString(Fields(span, 4).SingleOrDefault() ?? []), Encoding.UTF8.GetString(Fields(span, 5).Single()), attributes);
    }

    /// <summary>AnyValue: string_value (1), bool_value (2), int_value (3); anything else as empty.</summary>
    private static string ValueText(byte[] any)
    {
        foreach (var (number, _, varint, bytes) in Decode(any))
        {
            switch (number)
            {
                case 1: return Encoding.UTF8.GetString(bytes!);
                case 2: return varint != 0 ? "true" : "false";
                case 3: return varint.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return "";
    }

    /// <summary>The length-delimited fields numbered <paramref name="number"/>.</summary>
    private static IEnumerable<byte[]> Fields(byte[] message, int number) =>
        Decode(message).Where(f => f.Number == number && f.Bytes is not null).Select(f => f.Bytes!);

    private static List<(int Number, int WireType, long Varint, byte[]? Bytes)> Decode(byte[] message)
    {
        var fields = new List<(int, int, long, byte[]?)>();
        var at = 0;
        while (at < message.Length)
        {
            var tag = Varint(message, ref at);
            var (number, wireType) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wireType)
            {
                case 0:
                    fields.Add((number, wireType, Varint(message, ref at), null));
                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    fields.Add((number, wireType, 0, message[at..(at + length)]));
                    at += length;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {wireType} is not protobuf's");
            }
        }

        return fields;
    }

    private static long Varint(byte[] message, ref int at)
    {
        long value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[at++];
            value |= (long)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
