using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Server.Problems;

/// <summary>
/// Every error is <c>application/problem+json</c>: status codes without a body (404, 405, 401 from elsewhere) get one,
/// a request the framework cannot bind (malformed JSON, a wrong type) is a 400 naming the field, and an unexpected
/// exception is a 500 saying only that it is logged under its trace id, never what it was.
/// </summary>
internal static class ProblemsRegistration
{
    public static IServiceCollection AddBulwarkProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Customize);

        // Binding failures become exceptions, so the handler below turns them into problems naming the field.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    public static WebApplication UseBulwarkProblems(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        return app;
    }

    private static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Instance ??= context.HttpContext.Request.Path;
        problem.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        switch (context.Exception)
        {
            case null:
                break;
            case BadHttpRequestException bad:
                problem.Status = bad.StatusCode;
                problem.Title = "Bad request";
                (problem.Detail, var field) = Describe(bad);
                if (field is not null)
                {
                    problem.Extensions["field"] = field;
                }

                break;
            default:
                problem.Status = StatusCodes.Status500InternalServerError;
                problem.Title = "Internal error";
                problem.Detail = $"the request failed inside Bulwark; it is logged under trace id {context.HttpContext.TraceIdentifier}";
                break;
        }
    }

    /// <summary>What is wrong with the request, and the field at fault when a JSON body names one.</summary>
    internal static (string Detail, string? Field) Describe(BadHttpRequestException bad)
    {
        for (Exception? e = bad; e is not null; e = e.InnerException)
        {
            if (e is JsonException json)
            {
                var field = FieldOf(json.Path);
                var conversion = json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal);
                return (field, conversion) switch
                {
                    (null, _) => ($"the body is not valid JSON{Position(json)}", null),
                    (_, true) => ($"field '{field}' has a value of the wrong type or out of range{Position(json)}", field),
                    _ => ($"the body is not valid JSON at field '{field}'{Position(json)}", field),
                };
            }
        }

        return bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => ("the body is too large", null),
            StatusCodes.Status415UnsupportedMediaType => ("the body must be application/json", null),
            _ when ParameterOf(bad.Message) is { } parameter => ($"parameter '{parameter}' has a value of the wrong type or form", parameter),
            _ => ("the request cannot be read", null),
        };
    }

    /// <summary>The parameter a binding message names (<c>Failed to bind parameter "int? limit" from "x".</c>), or null.</summary>
    private static string? ParameterOf(string message)
    {
        if (!message.StartsWith("Failed to bind parameter \"", StringComparison.Ordinal) && !message.StartsWith("Required parameter \"", StringComparison.Ordinal))
        {
            return null;
        }

        var start = message.IndexOf('"', StringComparison.Ordinal) + 1;
        var end = message.IndexOf('"', start);
        if (end < 0)
        {
            return null;
        }

        var declaration = message[start..end];
        return declaration[(declaration.LastIndexOf(' ') + 1)..];
    }

    /// <summary><c>$.order.quantity</c> as <c>order.quantity</c>; null for the whole document.</summary>
    private static string? FieldOf(string? path) =>
        path is null or "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string Position(JsonException json) =>
        json.LineNumber is { } line && json.BytePositionInLine is { } column ? $" (line {line + 1}, byte {column + 1})" : "";
}
