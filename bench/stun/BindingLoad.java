import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * STUN Binding load over UDP: SOCKETS sockets keep WINDOW requests each in flight against one server
 * for a warm-up and then a measured period, and report answers per second, stalled requests, and
 * the server process's CPU time per answer (from /proc/PID/stat over the measured period).
 * A socket with no answer for 200 ms counts its outstanding requests as stalled and sends a fresh
 * window; answers to stalled requests that arrive later are still counted as answers. Each request
 * carries its socket's number in the transaction ID, so an answer arriving at another socket (a
 * server mixing up clients) is counted as misdelivered.
 *
 * usage: java BindingLoad.java HOST PORT SERVER_PID [SECONDS] [WARMUP_SECONDS] [SOCKETS] [WINDOW]
 * prints one line: answers_per_s stalled cpu_us_per_answer answers misdelivered
 */
public class BindingLoad {

    static final int TICKS_PER_SECOND = 100; // USER_HZ on Linux

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        long pid = Long.parseLong(args[2]);
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        int sockets = args.length > 5 ? Integer.parseInt(args[5]) : 8;
        int window = args.length > 6 ? Integer.parseInt(args[6]) : 32;

        Selector selector = Selector.open();
        List<DatagramChannel> channels = new ArrayList<>();
        long[] outstanding = new long[sockets];
        long[] lastAnswer = new long[sockets];
        ByteBuffer out = ByteBuffer.allocateDirect(28);
        ByteBuffer in = ByteBuffer.allocateDirect(1500);
        long txCounter = 0;
        for (int i = 0; i < sockets; i++) {
            DatagramChannel ch = DatagramChannel.open();
            // Large enough that the load client itself never drops answers that arrive in a burst.
            ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.bind(new InetSocketAddress("127.0.0.1", 0));
            ch.connect(server);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ, i);
            channels.add(ch);
        }
        long start = System.nanoTime();
        long warmEnd = start + warmup * 1_000_000_000L;
        long end = warmEnd + seconds * 1_000_000_000L;
        for (int i = 0; i < sockets; i++) {
            for (int w = 0; w < window; w++) {
                send(channels.get(i), out, i, txCounter++);
            }
            outstanding[i] = window;
            lastAnswer[i] = System.nanoTime();
        }
        boolean measuring = false;
        long answers = 0;
        long lost = 0;
        long misdelivered = 0;
        long cpuStart = 0;
        long measureStart = 0;
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= warmEnd) {
                measuring = true;
                answers = 0;
                lost = 0;
                misdelivered = 0;
                cpuStart = cpuTicks(pid);
                measureStart = now;
            }
            if (now >= end) {
                break;
            }
            selector.select(50);
            for (SelectionKey key : selector.selectedKeys()) {
                int i = (Integer) key.attachment();
                DatagramChannel ch = (DatagramChannel) key.channel();
                while (true) {
                    in.clear();
                    int n;
                    try {
                        n = ch.read(in);
                    } catch (IOException e) {
                        n = 0;
                    }
                    if (n <= 0) {
                        break;
                    }
                    // Binding success response carrying the magic cookie.
                    if (n >= 20 && in.get(0) == 0x01 && in.get(1) == 0x01 && in.getInt(4) == 0x2112A442) {
                        if (in.get(12) != i) {
                            misdelivered++;
                        }
                        answers++;
                        outstanding[i]--;
                        lastAnswer[i] = System.nanoTime();
                        send(ch, out, i, txCounter++);
                        outstanding[i]++;
                    }
                }
            }
            selector.selectedKeys().clear();
            now = System.nanoTime();
            for (int i = 0; i < sockets; i++) {
                // Nothing back for 200 ms: what is outstanding stalled (late or lost); refill the window.
                if (now - lastAnswer[i] > 200_000_000L) {
                    lost += outstanding[i];
                    for (int w = 0; w < window; w++) {
                        send(channels.get(i), out, i, txCounter++);
                    }
                    outstanding[i] = window;
                    lastAnswer[i] = now;
                }
            }
        }
        long cpu = cpuTicks(pid) - cpuStart;
        double elapsed = (System.nanoTime() - measureStart) / 1e9;
        double cpuUsPerAnswer = answers == 0 ? 0 : cpu * (1_000_000.0 / TICKS_PER_SECOND) / answers;
        System.out.printf("%.0f %d %.2f %d %d%n", answers / elapsed, lost, cpuUsPerAnswer, answers, misdelivered);
    }

    /** Transaction ID: "GATE", the socket number, then a counter. */
    static void send(DatagramChannel ch, ByteBuffer out, int socket, long id) throws IOException {
        out.clear();
        out.putShort((short) 0x0001).putShort((short) 0).putInt(0x2112A442).putInt(0x47415445)
                .putLong(((long) socket << 56) | (id & 0x00FFFFFFFFFFFFFFL));
        out.flip();
        ch.write(out);
    }

    /** utime + stime of the process, in clock ticks. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
