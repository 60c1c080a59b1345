using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Bulwark.Server.Problems;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Server.Writes;

/// <summary>
/// Reads a write's JSON body whole, before anything changes: <c>application/json</c> or it is 415, at most
/// <see cref="MaximumBytes"/> or it is 413, not empty, well-formed, each field of the right type (a problem naming the
/// first field that is not, from the JSON path), and no unknown field (a typo never drops a value). Deserialised through a
/// source-generated context: no reflection per request.
/// </summary>
internal static class JsonBody
{
    /// <summary>The largest body a write takes: a whole limits document fits many times over.</summary>
    public const int MaximumBytes = 64 * 1024;

    /// <summary>The body as <typeparamref name="T"/>, or the problem to answer with.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        var (buffer, length, problem) = await ReadBytesAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }

        try
        {
            var value = JsonSerializer.Deserialize(buffer.AsSpan(0, length), type);
            return value is null ? (null, Bad("the body is JSON null; expected an object", null)) : (value, null);
        }
        catch (JsonException json)
        {
            return (null, Describe(json));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The body parsed into a document (for a body bound like configuration), or the problem to answer with.</summary>
    public static async Task<(JsonDocument? Document, IResult? Problem)> ReadDocumentAsync(HttpContext context)
    {
        var (buffer, length, problem) = await ReadBytesAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }

        try
        {
            var document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                return (null, Bad("the body must be a JSON object", null));
            }

            return (document, null);
        }
        catch (JsonException json)
        {
            return (null, Describe(json));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<(byte[] Buffer, int Length, IResult? Problem)> ReadBytesAsync(HttpContext context)
    {
        var request = context.Request;
        if (!IsJson(request.ContentType))
        {
            return ([], 0, ProblemWriter.Result(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"the body must be application/json (Content-Type: {(string.IsNullOrEmpty(request.ContentType) ? "none" : request.ContentType)})", "Content-Type"));
        }

        if (request.ContentLength > MaximumBytes)
        {
            return ([], 0, TooLarge());
        }

        // One byte more than allowed is read, to tell a body of exactly the limit from a longer one.
        var buffer = ArrayPool<byte>.Shared.Rent(MaximumBytes + 1);
        var length = 0;
        try
        {
            while (length <= MaximumBytes)
            {
                var read = await request.Body.ReadAsync(buffer.AsMemory(length, MaximumBytes + 1 - length), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        if (length > MaximumBytes)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ([], 0, TooLarge());
        }

        if (buffer.AsSpan(0, length).Trim(" \t\r\n"u8).IsEmpty)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ([], 0, Bad("the body is empty; expected a JSON object", null));
        }

        return (buffer, length, null);
    }

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType is not { } type)
        {
            return false;
        }

        if (media.CharSet is { } charset && !string.Equals(charset.Trim('"'), "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return string.Equals(type, "application/json", StringComparison.OrdinalIgnoreCase) ||
            (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static IResult TooLarge() => ProblemWriter.Result(StatusCodes.Status413PayloadTooLarge, "Body too large",
        $"the body is larger than {MaximumBytes / 1024} KiB", "body");

    private static IResult Bad(string detail, string? field) => FieldErrors.Single(field ?? "body", detail);

    /// <summary>What the serializer could not read, with the field from its JSON path.</summary>
    private static IResult Describe(JsonException json)
    {
        var field = FieldOf(json.Path);
        var at = json.LineNumber is { } line && json.BytePositionInLine is { } column ? $" (line {line + 1}, byte {column + 1})" : "";
        var message = json.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return Bad($"unknown field '{field}'{at}", field);
        }

        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return Bad($"field '{field}' has a value of the wrong type or out of range{at}", field);
        }

        return Bad(field is null ? $"the body is not valid JSON{at}" : $"the body is not valid JSON at field '{field}'{at}", field);
    }

    /// <summary><c>$.order.quantity</c> as <c>order.quantity</c>; null for the whole document.</summary>
    internal static string? FieldOf(string? path) =>
        path is null or "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
