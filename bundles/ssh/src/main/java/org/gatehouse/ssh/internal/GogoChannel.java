package org.gatehouse.ssh.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.gatehouse.core.net.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSH session channel served by a Gogo {@link CommandSession} on the channel's streams: an exec
 * request runs its one command and exits with 0 (or 1 when it failed); a shell request reads lines
 * at the {@code g! } prompt until {@code exit}, Ctrl-D or end of input. Without a terminal (input
 * piped into {@code bin/client}) the shell prints neither greeting nor prompt, only what the commands print.
 * With a terminal, a command reading the keyboard gets lines edited and echoed as the shell's own
 * (see {@link Keyboard}); one that reads a password sets the {@link AtomicBoolean} in the session
 * variable {@value #SECRET} while it reads, and the line shows stars instead.
 */
final class GogoChannel implements Command {

    private static final Logger LOG = LoggerFactory.getLogger(GogoChannel.class);
    static final String PROMPT = "g! ";
    /** Session variable, with a terminal only: an {@link AtomicBoolean}, true while a command reads a secret line. */
    static final String SECRET = org.gatehouse.core.SecretInput.SWITCH;

    private final CommandProcessor processor;
    private final String command;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private Thread thread;

    /** @param command the exec request's command, or null for an interactive shell */
    GogoChannel(CommandProcessor processor, String command) {
        this.processor = processor;
        this.command = command;
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        String user = channel.getSession().getUsername();
        // The command text stays out of the log: ssh:user-add carries a password.
        SocketAddress from = channel.getSession().getClientAddress();
        LOG.info("SSH: {} for {} from {}", command == null ? "shell" : "command", user,
                from instanceof InetSocketAddress a ? IpAddresses.format(a) : from);
        // A terminal on the client side sends keys raw and shows exactly what it gets: echo, CRLF.
        boolean terminal = env.getEnv().containsKey(Environment.ENV_TERM) || !env.getPtyModes().isEmpty();
        thread = new Thread(() -> run(user, terminal), "ssh-" + (command == null ? "shell-" : "exec-") + user);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String user, boolean terminal) {
        OutputStream o = new FlushingOutputStream(terminal ? new CrLfOutputStream(out) : out);
        OutputStream e = new FlushingOutputStream(terminal ? new CrLfOutputStream(err) : err);
        // One reader for the shell's command lines and the commands' keyboard: a CR LF split between them stays one line end.
        LineReader lines = new LineReader(in, terminal ? out : null);
        AtomicBoolean secret = new AtomicBoolean();
        InputStream keyboard = terminal ? new Keyboard(lines, secret) : in;
        int status = 0;
        try (CommandSession session = processor.createSession(keyboard, o, e)) {
            session.put("USER", user);
            session.put("APPLICATION", "gatehouse");
            if (terminal) {
                session.put(SECRET, secret);
            }
            if (command != null) {
                status = execute(session, command, e) ? 0 : 1;
            } else {
                shell(session, lines, o, e, terminal);
            }
        } catch (RuntimeException x) {
            LOG.warn("ssh: session of {} ended with {}", user, x.toString());
            status = 1;
        } finally {
            flush(o);
            flush(e);
            exit.onExit(status);
        }
    }

    private void shell(CommandSession session, LineReader lines, OutputStream o, OutputStream e, boolean terminal) {
        PrintStream console = new PrintStream(o, true, StandardCharsets.UTF_8);
        if (terminal) {
            console.println("Gatehouse remote shell. Type help for the commands, exit (or Ctrl-D) to leave.");
        }
        while (true) {
            if (terminal) {
                console.print(PROMPT);
                console.flush();
            }
            String line;
            try {
                line = lines.readLine();
            } catch (IOException x) {
                return;
            }
            if (line == null || line.strip().equals("exit") || line.strip().equals("logout")) {
                return;
            }
            if (!line.isBlank()) {
                execute(session, line, e);
            }
        }
    }

    /** Runs one command line and prints its result as the local console does; false when it failed. */
    private static boolean execute(CommandSession session, String line, OutputStream e) {
        try {
            Object result = session.execute(line);
            PrintStream console = session.getConsole();
            if (result != null) {
                console.println(session.format(result, Converter.INSPECT));
            }
            console.flush();
            return true;
        } catch (Exception x) {
            PrintStream p = new PrintStream(e, true, StandardCharsets.UTF_8);
            // A command refusing its input says why in its own words; anything else names the exception.
            boolean refused = x instanceof IllegalArgumentException || x instanceof IllegalStateException;
            p.println(refused && x.getMessage() != null ? x.getMessage() : x.getClass().getSimpleName() + ": " + x.getMessage());
            p.flush();
            return false;
        } finally {
            flush(session.getConsole());
            // A command that failed while reading a password leaves no secret line behind.
            if (session.get(SECRET) instanceof AtomicBoolean secret) {
                secret.set(false);
            }
        }
    }

    private static void flush(OutputStream s) {
        try {
            s.flush();
        } catch (IOException x) {
            // the channel is closed: nothing to flush to
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
