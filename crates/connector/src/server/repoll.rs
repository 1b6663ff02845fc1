//! Polling a connection's future again when it wakes itself during a poll.
//!
//! Reading a request body wakes the connection task from inside its own
//! poll: the body channel notifies the HTTP/1 dispatcher, which runs in the
//! same task, that the handler took the data or dropped the body. Tokio
//! treats such a wake as a yield. It puts the task at the back of the run
//! queue and wakes a parked worker thread to share the work. On two CPUs,
//! that thread's wake-up and return to sleep cost about 3 µs per request,
//! as much as parsing, searching and writing a Fetch List request together.
//! [`Repoll`] catches wakes that arrive while the inner future runs and
//! polls it again at once, up to [`MAX_REPOLLS`] times, before it hands a
//! wake to the runtime. No crate found offers this, so it is written here,
//! without `unsafe`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;
use pin_project_lite::pin_project;

/// Extra polls within one poll of the task. A future that keeps waking
/// itself, such as one that yields on purpose, gets a real yield after them.
const MAX_REPOLLS: usize = 4;

/// No poll of the inner future is running.
const IDLE: u8 = 0;
/// A poll of the inner future is running.
const POLLING: u8 = 1;
/// A poll is running and a wake arrived during it.
const WOKEN: u8 = 2;

pin_project! {
    /// Wraps a future so that wakes during its own poll do not reschedule
    /// the task; see the module documentation.
    pub(crate) struct Repoll<F> {
        #[pin]
        inner: F,
        signal: Arc<Signal>,
        waker: Waker,
    }
}

impl<F: Future> Repoll<F> {
    pub(crate) fn new(inner: F) -> Self {
        let signal = Arc::new(Signal {
            state: AtomicU8::new(IDLE),
            task: AtomicWaker::new(),
        });
        Repoll {
            inner,
            waker: Waker::from(Arc::clone(&signal)),
            signal,
        }
    }
}

impl<F: Future> Future for Repoll<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        // Registered before the state becomes POLLING, so that a wake
        // which finds the state IDLE reaches this task.
        this.signal.task.register(context.waker());
        let mut inner_context = Context::from_waker(this.waker);
        let mut repolls = 0;
        loop {
            this.signal.state.store(POLLING, Ordering::SeqCst);
            if let Poll::Ready(output) = this.inner.as_mut().poll(&mut inner_context) {
                this.signal.state.store(IDLE, Ordering::SeqCst);
                return Poll::Ready(output);
            }
            let finished = this.signal.state.compare_exchange(
                POLLING,
                IDLE,
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
            if finished.is_ok() {
                return Poll::Pending;
            }
            // Woken during the poll. Out of extra polls, or out of the
            // runtime's cooperative budget (which only the runtime renews),
            // the wake goes to the runtime as a yield.
            if repolls == MAX_REPOLLS || !tokio::task::coop::has_budget_remaining() {
                this.signal.state.store(IDLE, Ordering::SeqCst);
                context.waker().wake_by_ref();
                return Poll::Pending;
            }
            repolls += 1;
        }
    }
}

/// State shared by [`Repoll`] and the waker it gives the inner future.
struct Signal {
    state: AtomicU8,
    /// The waker of the task that polls [`Repoll`].
    task: AtomicWaker,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        match self
            .state
            .compare_exchange(POLLING, WOKEN, Ordering::SeqCst, Ordering::SeqCst)
        {
            // The running poll finds WOKEN and polls again.
            Ok(_) | Err(WOKEN) => {}
            Err(_) => self.task.wake(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    /// Counts the wakes that reach the task polling the wrapper.
    #[derive(Default)]
    struct TaskWakes(AtomicUsize);

    impl Wake for TaskWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl TaskWakes {
        fn count(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// Wakes itself in each of its first `self_wakes` polls and completes
    /// with its number of polls in the next one.
    struct SelfWaking {
        self_wakes: usize,
        polls: usize,
    }

    impl Future for SelfWaking {
        type Output = usize;

        fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<usize> {
            self.polls += 1;
            if self.polls > self.self_wakes {
                return Poll::Ready(self.polls);
            }
            context.waker().wake_by_ref();
            Poll::Pending
        }
    }

    fn poll_once<F: Future>(future: Pin<&mut Repoll<F>>, task: &Arc<TaskWakes>) -> Poll<F::Output> {
        let waker = Waker::from(Arc::clone(task));
        future.poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn repoll_self_wake_polls_again() {
        let task = Arc::new(TaskWakes::default());
        let future = std::pin::pin!(Repoll::new(SelfWaking {
            self_wakes: 2,
            polls: 0
        }));

        assert_eq!(poll_once(future, &task), Poll::Ready(3));
        assert_eq!(task.count(), 0);
    }

    #[test]
    fn repoll_endless_self_wakes_yield() {
        let task = Arc::new(TaskWakes::default());
        let mut future = std::pin::pin!(Repoll::new(SelfWaking {
            self_wakes: usize::MAX,
            polls: 0
        }));

        assert_eq!(poll_once(future.as_mut(), &task), Poll::Pending);
        assert_eq!(task.count(), 1);
        assert_eq!(future.inner.polls, MAX_REPOLLS + 1);
    }

    /// Keeps its waker and completes once woken.
    #[derive(Default)]
    struct Waiting {
        waker: Arc<Mutex<Option<Waker>>>,
        woken: Arc<AtomicUsize>,
    }

    impl Future for Waiting {
        type Output = ();

        fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
            if self.woken.load(Ordering::SeqCst) > 0 {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(context.waker().clone());
            Poll::Pending
        }
    }

    #[test]
    fn repoll_later_wake_reaches_task() {
        let task = Arc::new(TaskWakes::default());
        let inner = Waiting::default();
        let (waker, woken) = (Arc::clone(&inner.waker), Arc::clone(&inner.woken));
        let mut future = std::pin::pin!(Repoll::new(inner));

        assert_eq!(poll_once(future.as_mut(), &task), Poll::Pending);
        assert_eq!(task.count(), 0);

        woken.fetch_add(1, Ordering::SeqCst);
        let stored = waker
            .lock()
            .unwrap()
            .take()
            .expect("the inner future kept its waker");
        std::thread::spawn(move || stored.wake()).join().unwrap();

        assert_eq!(task.count(), 1);
        assert_eq!(poll_once(future.as_mut(), &task), Poll::Ready(()));
    }

    /// Has another thread wake it during its first poll, and completes in
    /// the next one.
    #[derive(Default)]
    struct WokenFromAnotherThread {
        polls: usize,
    }

    impl Future for WokenFromAnotherThread {
        type Output = usize;

        fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<usize> {
            self.polls += 1;
            if self.polls > 1 {
                return Poll::Ready(self.polls);
            }
            let waker = context.waker().clone();
            std::thread::spawn(move || waker.wake()).join().unwrap();
            Poll::Pending
        }
    }

    #[test]
    fn repoll_wake_from_other_thread_polls_again() {
        let task = Arc::new(TaskWakes::default());
        let future = std::pin::pin!(Repoll::new(WokenFromAnotherThread::default()));

        assert_eq!(poll_once(future, &task), Poll::Ready(2));
        assert_eq!(task.count(), 0);
    }
}
