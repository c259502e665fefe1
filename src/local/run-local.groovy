// Launcher behind `mvn -q -Plocal exec:java`: exec:java does not compile, so this builds the project and
// then starts the local runner in a JVM of its own (Flink on Java 17 needs --add-opens, which an in-process
// exec:java cannot give). Arguments come from -Dexec.args, as with any exec:java run.
def mavenHome = System.getProperty('maven.home')
def windows = System.getProperty('os.name').toLowerCase().contains('win')
def mvn = mavenHome ? new File(mavenHome, windows ? 'bin/mvn.cmd' : 'bin/mvn').path : (windows ? 'mvn.cmd' : 'mvn')
def basedir = new File(System.getProperty('harbinger.basedir') ?: '.').canonicalFile
def userArgs = System.getProperty('exec.args') ?: ''

def command = [mvn, '-q', '-B', '-Plocal-run', '-DskipTests', "-Dlocal.args=${userArgs}".toString(),
               'test-compile', 'exec:exec@local-run']
def settings = System.getProperty('org.apache.maven.user-settings') // keep a user's -s settings.xml
if (settings) command.addAll(1, ['-s', settings])

def process = new ProcessBuilder(command).directory(basedir).inheritIO().start()
// Ctrl-C reaches the child through the terminal's process group; this covers the other ways Maven ends.
addShutdownHook { if (process.alive) process.destroy() }
int exit = process.waitFor()
if (exit != 0) {
    throw new IllegalStateException("the local run ended with exit code ${exit}")
}
