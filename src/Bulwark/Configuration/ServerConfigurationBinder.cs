using Microsoft.Extensions.Configuration;

namespace Bulwark.Configuration;

/// <summary>
/// Binds the top-level <c>server:</c> section (the main loader delegates it here), strictly: every key must be known, every
/// value must parse, every problem is reported with its field path (<c>server.tls.certificate</c>). The rules on the
/// values are <see cref="ServerOptionsValidator"/>'s.
/// </summary>
internal sealed class ServerConfigurationBinder : SectionBinder
{
    private static readonly (string Name, bool Value)[] BooleanNames = [("true", true), ("false", false)];

    private ServerConfigurationBinder()
    {
    }

    /// <summary>Binds the section; the options are meaningful only when there are no errors.</summary>
    public static (ServerOptions Options, IReadOnlyList<OptionsError> Errors) Bind(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var binder = new ServerConfigurationBinder();
        var options = new ServerOptions();
        var node = new Node(section, OptionsPath.FromConfigurationKey(section.Path));
        if (binder.Keys(node, "enabled", "urls", "tls", "authFailureLimit", "authFailureWindowSeconds"))
        {
            binder.Choice(node, "enabled", BooleanNames, v => options.Enabled = v);
            binder.Urls(node, options.Urls);
            if (node.Child("tls") is { } tls)
            {
                options.Tls = binder.Tls(tls);
            }

            binder.Integer(node, "authFailureLimit", v => options.AuthFailureLimit = v);
            binder.Number(node, "authFailureWindowSeconds", v => options.AuthFailureWindowSeconds = v);
        }

        return (options, binder.Errors);
    }

    /// <summary><c>urls</c> is one URL, several separated by <c>;</c> (as ASP.NET Core writes them), or a list.</summary>
    private void Urls(Node node, ICollection<string> target)
    {
        if (node.Child("urls") is not { } urls)
        {
            return;
        }

        if (urls.Section.GetChildren().Any())
        {
            TextList(node, "urls", target);
            return;
        }

        if (string.IsNullOrWhiteSpace(urls.Section.Value))
        {
            Error(urls.Path, "must not be empty: give a URL such as " + ServerOptions.DefaultUrl + ", or leave it out");
            return;
        }

        foreach (var url in urls.Section.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            target.Add(url);
        }
    }

    private ServerTlsOptions Tls(Node node)
    {
        var tls = new ServerTlsOptions();
        if (Keys(node, "certificate", "keyFile", "password"))
        {
            Text(node, "certificate", v => tls.Certificate = v);
            Text(node, "keyFile", v => tls.KeyFile = v);
            Text(node, "password", v => tls.Password = v);
        }

        return tls;
    }
}
