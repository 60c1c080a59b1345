using Bulwark.Cli;

return await BulwarkCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
